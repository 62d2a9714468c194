// A writer of RGL "tensor_file" files (.bsdf) for tests, written from the format's description
// (12-byte magic "tensor_file\0", version 1.0, uint32 field count, per field: uint16 name
// length, name, uint16 rank, uint8 type, uint64 data offset, rank uint64 extents; data after
// the field table), independently of the reader in formats/scene/measured_bsdf.cpp. The magic,
// version and each field's type, extents and data can be set to invalid values on purpose.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tf::test {

inline constexpr uint8_t kTensorUInt8 = 1, kTensorFloat32 = 10;

struct TensorField {
  std::string name;
  uint8_t dtype = kTensorFloat32;
  std::vector<uint64_t> shape;
  std::vector<uint8_t> data;  // written as given, whatever shape and dtype say
};

TensorField float_field(const std::string& name, std::vector<uint64_t> shape,
                        const std::vector<float>& values);
TensorField bytes_field(const std::string& name, const std::vector<uint8_t>& values);

struct TensorFileSpec {
  std::string magic = std::string("tensor_file", 12);
  uint8_t major = 1, minor = 0;
  std::vector<TensorField> fields;
};

std::vector<uint8_t> tensor_file_bytes(const TensorFileSpec& spec);

}  // namespace tf::test
