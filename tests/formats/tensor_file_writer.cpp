#include "tensor_file_writer.h"

#include <cstring>

namespace tf::test {
namespace {

void put(std::vector<uint8_t>* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<uint8_t>(v >> (8 * i)));
}

}  // namespace

TensorField float_field(const std::string& name, std::vector<uint64_t> shape,
                        const std::vector<float>& values) {
  TensorField f{name, kTensorFloat32, std::move(shape), {}};
  for (float v : values) {
    uint32_t bits;
    std::memcpy(&bits, &v, 4);
    put(&f.data, bits, 4);
  }
  return f;
}

TensorField bytes_field(const std::string& name, const std::vector<uint8_t>& values) {
  return TensorField{name, kTensorUInt8, {values.size()}, values};
}

std::vector<uint8_t> tensor_file_bytes(const TensorFileSpec& spec) {
  std::vector<uint8_t> out(spec.magic.begin(), spec.magic.end());
  out.push_back(spec.major);
  out.push_back(spec.minor);
  put(&out, spec.fields.size(), 4);
  size_t table = out.size();
  for (const TensorField& f : spec.fields)
    table += 2 + f.name.size() + 2 + 1 + 8 + 8 * f.shape.size();
  uint64_t offset = table;
  for (const TensorField& f : spec.fields) {
    put(&out, f.name.size(), 2);
    out.insert(out.end(), f.name.begin(), f.name.end());
    put(&out, f.shape.size(), 2);
    out.push_back(f.dtype);
    put(&out, offset, 8);
    for (uint64_t e : f.shape) put(&out, e, 8);
    offset += f.data.size();
  }
  for (const TensorField& f : spec.fields) out.insert(out.end(), f.data.begin(), f.data.end());
  return out;
}

}  // namespace tf::test
