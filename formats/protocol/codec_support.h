// Small pieces shared by codec.cpp and trust_codec.cpp, the two halves of the wire codec:
// viewing our values as Cap'n Proto data, reading data and text back with their lengths
// checked, and writing a vector into a struct list. Not part of the protocol's public
// interface (codec.h is).
#pragma once

#include <capnp/blob.h>

#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "formats/hash/hash.h"

namespace tf::proto {

// A value Cap'n Proto accepts but the protocol does not (a hash of the wrong length, too many
// rows). decode_message catches it and returns its message as the error.
struct DecodeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline capnp::Data::Reader as_data(const Hash256& h) { return {h.bytes.data(), h.bytes.size()}; }

// The bytes of a vector of plain values (floats, bytes), in this machine's byte order.
template <class T>
capnp::Data::Reader as_data(const std::vector<T>& v) {
  return {reinterpret_cast<const kj::byte*>(v.data()), v.size() * sizeof(T)};
}

// Throws DecodeError naming `what` unless `d` holds exactly 32 bytes.
inline Hash256 read_hash(capnp::Data::Reader d, const char* what) {
  if (d.size() != 32) {
    throw DecodeError(std::string(what) + " must be a 32-byte hash, got " +
                      std::to_string(d.size()) + " bytes");
  }
  Hash256 h;
  std::memcpy(h.bytes.data(), d.begin(), 32);
  return h;
}

inline std::vector<uint8_t> read_bytes(capnp::Data::Reader d) { return {d.begin(), d.end()}; }
inline std::string read_text(capnp::Text::Reader t) { return {t.cStr(), t.size()}; }

template <class T>
unsigned list_size(const std::vector<T>& items) {
  return static_cast<unsigned>(items.size());
}

// Struct lists: calls write_one(list[i], items[i]) for every item; `list` was initialised
// with list_size(items) elements.
template <class ListBuilder, class T, class WriteOne>
void write_list(ListBuilder list, const std::vector<T>& items, WriteOne write_one) {
  for (unsigned i = 0; i < items.size(); ++i) write_one(list[i], items[i]);
}

// Lists of plain values or data: sets list[i] = to_wire(items[i]); `list` was initialised
// with list_size(items) elements.
template <class ListBuilder, class T, class ToWire = std::identity>
void set_list(ListBuilder list, const std::vector<T>& items, ToWire to_wire = {}) {
  for (unsigned i = 0; i < items.size(); ++i) list.set(i, to_wire(items[i]));
}

}  // namespace tf::proto
