#include "formats/scene/measured_bsdf.h"

#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <numbers>

#include "formats/scene/spectra.h"

namespace tf::scene {
namespace {

constexpr uint32_t kMaxFields = 1024;  // RGL files hold about ten
constexpr uint16_t kMaxRank = 8;
constexpr uint8_t kTypeUInt8 = 1, kTypeFloat32 = 10, kTypeFloat64 = 11;
constexpr size_t kTypeBytes[] = {0, 1, 1, 2, 2, 4, 4, 8, 8, 2, 4, 8};

struct Field {
  uint8_t dtype = 0;
  std::vector<uint64_t> shape;
  std::span<const uint8_t> data;  // within the file's bytes
};

// A cursor over the header that fails (returns false) instead of reading past the end.
class Cursor {
 public:
  explicit Cursor(std::span<const uint8_t> bytes) : bytes_(bytes) {}
  bool take(size_t n, std::span<const uint8_t>* out) {
    if (n > bytes_.size() - pos_) return false;
    *out = bytes_.subspan(pos_, n);
    pos_ += n;
    return true;
  }
  template <class T>
  bool read(T* value) {  // little-endian unsigned integer
    std::span<const uint8_t> b;
    if (!take(sizeof(T), &b)) return false;
    uint64_t v = 0;
    for (size_t i = 0; i < sizeof(T); ++i) v |= static_cast<uint64_t>(b[i]) << (8 * i);
    *value = static_cast<T>(v);
    return true;
  }

 private:
  std::span<const uint8_t> bytes_;
  size_t pos_ = 0;
};

float float_at(std::span<const uint8_t> data, size_t i) {
  uint32_t bits = 0;
  for (size_t k = 0; k < 4; ++k) bits |= static_cast<uint32_t>(data[4 * i + k]) << (8 * k);
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

// One field's header; its data range is checked against the whole file.
Result<std::pair<std::string, Field>> read_field(Cursor* c, std::span<const uint8_t> file) {
  const Error truncated{"truncated field table"};
  uint16_t name_length = 0, rank = 0;
  std::span<const uint8_t> name_bytes;
  Field f;
  uint64_t offset = 0;
  if (!c->read(&name_length) || !c->take(name_length, &name_bytes) || !c->read(&rank) ||
      !c->read(&f.dtype) || !c->read(&offset)) {
    return truncated;
  }
  const std::string name(name_bytes.begin(), name_bytes.end());
  if (f.dtype == 0 || f.dtype > kTypeFloat64) {
    return Error{"field \"" + name + "\" has unknown data type " + std::to_string(f.dtype)};
  }
  if (rank > kMaxRank) return Error{"field \"" + name + "\" has rank " + std::to_string(rank)};
  uint64_t bytes = kTypeBytes[f.dtype];
  for (uint16_t d = 0; d < rank; ++d) {
    uint64_t extent = 0;
    if (!c->read(&extent)) return truncated;
    f.shape.push_back(extent);
    // Every product stays below the file size, so it cannot overflow.
    if (extent != 0 && bytes > file.size() / extent) {
      return Error{"field \"" + name + "\" is larger than the file"};
    }
    bytes *= extent;
  }
  if (offset > file.size() || bytes > file.size() - offset) {
    return Error{"field \"" + name + "\" lies beyond the end of the file (truncated?)"};
  }
  f.data = file.subspan(static_cast<size_t>(offset), static_cast<size_t>(bytes));
  return std::pair{name, std::move(f)};
}

using Fields = std::map<std::string, Field>;

Result<Fields> read_fields(std::span<const uint8_t> file) {
  Cursor c(file);
  std::span<const uint8_t> magic, version;
  uint32_t count = 0;
  if (!c.take(12, &magic) || !c.take(2, &version) || !c.read(&count)) {
    return Error{"too small for a tensor file header (truncated?)"};
  }
  if (std::memcmp(magic.data(), "tensor_file", 12) != 0) {
    return Error{"not a tensor file (the header does not start with \"tensor_file\")"};
  }
  if (version[0] != 1 || version[1] != 0) {
    return Error{"tensor file version " + std::to_string(version[0]) + "." +
                 std::to_string(version[1]) + " (only 1.0 is known)"};
  }
  if (count > kMaxFields) return Error{"claims " + std::to_string(count) + " fields"};
  Fields fields;
  for (uint32_t i = 0; i < count; ++i) {
    auto field = read_field(&c, file);
    if (!field) return Error{field.message()};
    fields[field->first] = std::move(field->second);
  }
  return fields;
}

// Field `name` with data type `dtype` and rank `rank`, else an error naming what differs.
Result<const Field*> need(const Fields& fields, const std::string& name, uint8_t dtype,
                          size_t rank) {
  auto it = fields.find(name);
  if (it == fields.end()) return Error{"has no field \"" + name + "\""};
  if (it->second.dtype != dtype || it->second.shape.size() != rank) {
    return Error{"field \"" + name + "\" must be " +
                 (dtype == kTypeUInt8 ? std::string("uint8") : std::string("float32")) +
                 " of rank " + std::to_string(rank)};
  }
  return &it->second;
}

std::vector<float> floats(const Field& f) {
  std::vector<float> out(f.data.size() / 4);
  for (size_t i = 0; i < out.size(); ++i) out[i] = float_at(f.data, i);
  return out;
}

// The last two extents of `f` as a grid of `slices` tables.
MeasuredGrid grid(const Field& f, uint32_t slices) {
  const size_t r = f.shape.size();
  return MeasuredGrid{static_cast<uint32_t>(f.shape[r - 1]), static_cast<uint32_t>(f.shape[r - 2]),
                      slices, floats(f)};
}

// The tables of field `name` ([params..., h, w], its leading extents `params`), with tables of
// at least 2 x 2 (pbrt-v4 interpolates between neighbours).
Result<const Field*> need_tables(const Fields& fields, const std::string& name,
                                 const std::vector<uint64_t>& params) {
  auto f = need(fields, name, kTypeFloat32, params.size() + 2);
  if (!f) return f;
  const std::vector<uint64_t>& s = f.value()->shape;
  if (!std::equal(params.begin(), params.end(), s.begin())) {
    return Error{"field \"" + name + "\" does not match the theta_i / phi_i / wavelength grids"};
  }
  if (s[s.size() - 1] < 2 || s[s.size() - 2] < 2) {
    return Error{"field \"" + name + "\" has a table smaller than 2 x 2"};
  }
  return f;
}

// A 1D parameter grid: at least one value, finite and strictly increasing.
Result<std::vector<float>> axis(const Fields& fields, const std::string& name) {
  auto f = need(fields, name, kTypeFloat32, 1);
  if (!f) return Error{f.message()};
  std::vector<float> v = floats(*f.value());
  if (v.empty()) return Error{"field \"" + name + "\" is empty"};
  for (size_t i = 0; i < v.size(); ++i) {
    if (!std::isfinite(v[i]) || (i > 0 && !(v[i] > v[i - 1]))) {
      return Error{"field \"" + name + "\" must be finite and strictly increasing"};
    }
  }
  return v;
}

// Reduces spectra [phi][theta][wavelength][h][w] to rgb [phi][theta][3][h][w]. The reduction
// is linear, so each wavelength's contribution is the RGB of its piecewise-linear hat (1 at
// that wavelength, 0 at the others) times the value there.
MeasuredGrid spectra_to_rgb(const Field& spectra, const std::vector<float>& wavelengths,
                            uint32_t params) {
  const size_t n = wavelengths.size();
  std::vector<Rgb> hat(n);
  std::vector<double> pairs(2 * n);
  for (size_t k = 0; k < n; ++k) {
    for (size_t j = 0; j < n; ++j) {
      pairs[2 * j] = wavelengths[j];
      pairs[2 * j + 1] = j == k ? 1.0 : 0.0;
    }
    hat[k] = piecewise_spectrum_rgb(pairs);
  }
  MeasuredGrid in = grid(spectra, params * static_cast<uint32_t>(n));
  const size_t texels = static_cast<size_t>(in.width) * in.height;
  MeasuredGrid out{in.width, in.height, params * 3u, std::vector<float>(params * 3 * texels)};
  for (size_t p = 0; p < params; ++p) {
    for (size_t t = 0; t < texels; ++t) {
      double sum[3] = {0, 0, 0};
      for (size_t k = 0; k < n; ++k) {
        const double v = in.values[(p * n + k) * texels + t];
        for (int c = 0; c < 3; ++c) sum[c] += v * hat[k][c];
      }
      for (int c = 0; c < 3; ++c) out.values[(p * 3 + c) * texels + t] = static_cast<float>(sum[c]);
    }
  }
  return out;
}

Result<MeasuredBsdfData> convert(const Fields& fields) {
  MeasuredBsdfData d;
  auto description = need(fields, "description", kTypeUInt8, 1);
  auto jacobian = need(fields, "jacobian", kTypeUInt8, 1);
  auto theta_i = axis(fields, "theta_i");
  auto phi_i = axis(fields, "phi_i");
  for (const Status& st :
       {description.status(), jacobian.status(), theta_i.status(), phi_i.status()}) {
    if (!st) return Error{st.message()};
  }
  if (jacobian.value()->shape[0] != 1) return Error{"field \"jacobian\" must hold one value"};
  d.description.assign(description.value()->data.begin(), description.value()->data.end());
  d.jacobian = jacobian.value()->data[0] != 0;
  d.theta_i = std::move(theta_i.value());
  d.phi_i = std::move(phi_i.value());
  d.isotropic = d.phi_i.size() <= 2;
  if (!d.isotropic && std::rint(2 * std::numbers::pi / (d.phi_i.back() - d.phi_i.front())) != 1.0) {
    return Error{"phi_i must span 2 pi (files reduced by symmetry are not supported)"};
  }
  const std::vector<uint64_t> params = {d.phi_i.size(), d.theta_i.size()};
  auto ndf = need_tables(fields, "ndf", {});
  auto sigma = need_tables(fields, "sigma", {});
  auto vndf = need_tables(fields, "vndf", params);
  auto luminance = need_tables(fields, "luminance", params);
  for (const Status& st : {ndf.status(), sigma.status(), vndf.status(), luminance.status()}) {
    if (!st) return Error{st.message()};
  }
  const uint32_t slices = static_cast<uint32_t>(d.phi_i.size() * d.theta_i.size());
  d.ndf = grid(*ndf.value(), 1);
  d.sigma = grid(*sigma.value(), 1);
  d.vndf = grid(*vndf.value(), slices);
  d.luminance = grid(*luminance.value(), slices);
  if (fields.count("spectra") != 0) {
    auto wavelengths = axis(fields, "wavelengths");
    if (!wavelengths) return Error{wavelengths.message()};
    d.wavelengths = std::move(wavelengths.value());
    std::vector<uint64_t> spectral = params;
    spectral.push_back(d.wavelengths.size());
    auto spectra = need_tables(fields, "spectra", spectral);
    if (!spectra) return Error{spectra.message()};
    d.rgb = spectra_to_rgb(*spectra.value(), d.wavelengths, slices);
  } else {
    std::vector<uint64_t> rgb_params = params;
    rgb_params.push_back(3);
    auto rgb = need_tables(fields, "rgb", rgb_params);
    if (!rgb) return Error{"has neither \"spectra\" nor a valid \"rgb\" field: " + rgb.message()};
    d.rgb = grid(*rgb.value(), slices * 3u);
  }
  if (d.luminance.width != d.rgb.width || d.luminance.height != d.rgb.height) {
    return Error{"fields \"luminance\" and the colour tables differ in table size"};
  }
  for (const MeasuredGrid* g : {&d.ndf, &d.sigma, &d.vndf, &d.luminance, &d.rgb}) {
    for (float v : g->values) {
      if (!std::isfinite(v)) return Error{"a table holds a value that is not finite"};
    }
  }
  return d;
}

}  // namespace

Result<MeasuredBsdfData> parse_measured_bsdf(std::span<const uint8_t> bytes,
                                             const std::string& name) {
  auto fields = read_fields(bytes);
  if (!fields) return Error{name + ": " + fields.message()};
  auto data = convert(fields.value());
  if (!data) return Error{name + ": " + data.message()};
  return data;
}

Result<MeasuredBsdfData> read_measured_bsdf(const std::filesystem::path& path) {
  std::error_code ec;
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) return Error{path.string() + ": cannot open measured BSDF file: " + ec.message()};
  if (size > kMaxMeasuredBsdfBytes) {
    return Error{path.string() + ": measured BSDF file larger than " +
                 std::to_string(kMaxMeasuredBsdfBytes >> 20) + " MiB"};
  }
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  std::ifstream in(path, std::ios::binary);
  if (!in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size))) {
    return Error{path.string() + ": cannot read measured BSDF file"};
  }
  return parse_measured_bsdf(bytes, path.string());
}

}  // namespace tf::scene
