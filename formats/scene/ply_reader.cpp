#include "formats/scene/ply_reader.h"

#include <bit>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <zlib.h>

namespace tf::scene {
namespace {

enum class Format { Ascii, BinaryLE, BinaryBE };

struct Property {
  std::string name;
  int size = 0;  // bytes of the value type (binary)
  bool is_float = false;
  bool is_signed = false;
  bool is_list = false;
  int count_size = 0;  // bytes of the list count type
};

struct Element {
  std::string name;
  uint64_t count = 0;
  std::vector<Property> props;
};

struct ScalarType {
  const char* name;
  const char* alias;
  int size;
  bool is_float, is_signed;
};
constexpr ScalarType kScalarTypes[] = {
    {"char", "int8", 1, false, true},    {"uchar", "uint8", 1, false, false},
    {"short", "int16", 2, false, true},  {"ushort", "uint16", 2, false, false},
    {"int", "int32", 4, false, true},    {"uint", "uint32", 4, false, false},
    {"float", "float32", 4, true, true}, {"double", "float64", 8, true, true},
};

// Size in bytes and kind of a PLY scalar type name; size 0 for unknown.
void scalar_type(const std::string& t, int* size, bool* is_float, bool* is_signed) {
  *size = 0;
  *is_float = *is_signed = false;
  for (const ScalarType& s : kScalarTypes) {
    if (t == s.name || t == s.alias) {
      *size = s.size;
      *is_float = s.is_float;
      *is_signed = s.is_signed;
    }
  }
}

template <class T>
T load(const unsigned char* bytes) {
  T v;
  std::memcpy(&v, bytes, sizeof v);
  return v;
}

// Reads values from the data section, binary or ASCII, with bounds checks.
class DataCursor {
 public:
  DataCursor(const std::string& bytes, size_t pos, Format format)
      : bytes_(bytes), pos_(pos), format_(format) {}

  bool read(int size, bool is_float, bool is_signed, double* out) {
    if (format_ == Format::Ascii) return read_ascii(out);
    if (pos_ + static_cast<size_t>(size) > bytes_.size()) return false;
    unsigned char b[8];
    std::memcpy(b, bytes_.data() + pos_, static_cast<size_t>(size));
    pos_ += static_cast<size_t>(size);
    const bool file_le = format_ == Format::BinaryLE;
    if (file_le != (std::endian::native == std::endian::little)) {
      for (int i = 0; i < size / 2; ++i) std::swap(b[i], b[size - 1 - i]);
    }
    if (is_float) {
      if (size == 4) {
        float f;
        std::memcpy(&f, b, 4);
        *out = f;
      } else {
        double d;
        std::memcpy(&d, b, 8);
        *out = d;
      }
    } else {
      // `b` is in native byte order now: reinterpret it as the integer type of its size.
      switch (size) {
        case 1:
          *out = is_signed ? static_cast<int8_t>(b[0]) : b[0];
          break;
        case 2:
          *out = is_signed ? static_cast<double>(load<int16_t>(b)) : load<uint16_t>(b);
          break;
        default:
          *out = is_signed ? static_cast<double>(load<int32_t>(b)) : load<uint32_t>(b);
          break;
      }
    }
    return true;
  }

  size_t remaining() const { return bytes_.size() - pos_; }

 private:
  bool read_ascii(double* out) {
    while (pos_ < bytes_.size() && std::isspace(static_cast<unsigned char>(bytes_[pos_]))) ++pos_;
    if (pos_ >= bytes_.size()) return false;
    const char* start = bytes_.data() + pos_;
    char* end = nullptr;
    *out = std::strtod(start, &end);
    if (end == start) return false;
    pos_ += static_cast<size_t>(end - start);
    return true;
  }

  const std::string& bytes_;
  size_t pos_;
  Format format_;
};

Error ply_error(const std::filesystem::path& path, const std::string& what) {
  return Error{"PLY file '" + path.string() + "': " + what};
}

constexpr uint64_t kMaxPlyBytes = uint64_t{4} << 30;

// The file's bytes; a name ending in ".gz" is gunzipped (pbrt-v4 scenes ship meshes as
// .ply.gz). Both the file and its decompressed contents are bounded by kMaxPlyBytes.
Result<std::string> read_ply_bytes(const std::filesystem::path& path) {
  std::error_code ec;
  const uint64_t file_size = std::filesystem::file_size(path, ec);
  if (ec) return ply_error(path, "cannot open: " + ec.message());
  if (file_size > kMaxPlyBytes) return ply_error(path, "larger than the 4 GiB limit");
  if (path.extension() != ".gz") {
    std::ifstream in(path, std::ios::binary);
    if (!in) return ply_error(path, "cannot open for reading");
    std::string bytes(file_size, '\0');
    in.read(bytes.data(), static_cast<std::streamsize>(file_size));
    if (static_cast<uint64_t>(in.gcount()) != file_size) return ply_error(path, "read failed");
    return bytes;
  }
  gzFile gz = gzopen(path.c_str(), "rb");
  if (gz == nullptr) return ply_error(path, "cannot open for reading");
  std::string bytes;
  std::vector<char> chunk(size_t{1} << 20);
  int n = 0;
  while ((n = gzread(gz, chunk.data(), static_cast<unsigned>(chunk.size()))) > 0) {
    if (bytes.size() + static_cast<size_t>(n) > kMaxPlyBytes) {
      gzclose(gz);
      return ply_error(path, "decompresses to more than the 4 GiB limit");
    }
    bytes.append(chunk.data(), static_cast<size_t>(n));
  }
  // A read error, or a stream cut short (Z_BUF_ERROR), is reported as such rather than as
  // the PLY data it leaves truncated.
  int code = Z_OK;
  const std::string why = gzerror(gz, &code);
  gzclose(gz);
  if (n < 0 || (code != Z_OK && code != Z_STREAM_END)) {
    return ply_error(path, "corrupt or truncated gzip data (" + why + ")");
  }
  return bytes;
}

}  // namespace

Result<IrMesh> read_ply(const std::filesystem::path& path) {
  Result<std::string> read = read_ply_bytes(path);
  if (!read) return Error{read.message()};
  const std::string& bytes = read.value();

  // Header: lines up to "end_header".
  size_t pos = 0;
  auto next_line = [&](std::string* line) {
    if (pos >= bytes.size()) return false;
    size_t end = bytes.find('\n', pos);
    if (end == std::string::npos) end = bytes.size();
    *line = bytes.substr(pos, end - pos);
    if (!line->empty() && line->back() == '\r') line->pop_back();
    pos = end + 1;
    return true;
  };
  std::string line;
  if (!next_line(&line) || line != "ply") return ply_error(path, "does not start with 'ply'");
  Format format = Format::Ascii;
  bool have_format = false, have_end = false;
  std::vector<Element> elements;
  int line_no = 1;
  while (next_line(&line)) {
    ++line_no;
    std::istringstream words(line);
    std::string kw;
    words >> kw;
    const std::string where = "header line " + std::to_string(line_no);
    if (kw == "end_header") {
      have_end = true;
      break;
    } else if (kw == "format") {
      std::string f;
      words >> f;
      if (f == "ascii")
        format = Format::Ascii;
      else if (f == "binary_little_endian")
        format = Format::BinaryLE;
      else if (f == "binary_big_endian")
        format = Format::BinaryBE;
      else
        return ply_error(path, where + ": unknown format '" + f + "'");
      have_format = true;
    } else if (kw == "element") {
      Element e;
      long long count = -1;
      words >> e.name >> count;
      if (e.name.empty() || count < 0) return ply_error(path, where + ": malformed element");
      e.count = static_cast<uint64_t>(count);
      elements.push_back(e);
    } else if (kw == "property") {
      if (elements.empty()) return ply_error(path, where + ": property before any element");
      Property p;
      std::string type;
      words >> type;
      if (type == "list") {
        std::string count_type, item_type;
        words >> count_type >> item_type >> p.name;
        bool f, s;
        scalar_type(count_type, &p.count_size, &f, &s);
        if (p.count_size == 0 || f) return ply_error(path, where + ": bad list count type");
        scalar_type(item_type, &p.size, &p.is_float, &p.is_signed);
        p.is_list = true;
      } else {
        words >> p.name;
        scalar_type(type, &p.size, &p.is_float, &p.is_signed);
      }
      if (p.size == 0 || p.name.empty()) return ply_error(path, where + ": malformed property");
      elements.back().props.push_back(p);
    } else if (kw == "comment" || kw == "obj_info" || kw.empty()) {
      continue;
    } else {
      return ply_error(path, where + ": unknown keyword '" + kw + "'");
    }
  }
  if (!have_format || !have_end) return ply_error(path, "header lacks 'format' or 'end_header'");

  DataCursor cur(bytes, pos, format);
  IrMesh mesh;
  bool have_vertices = false;
  for (const Element& e : elements) {
    // Every element needs at least one byte (binary) or two characters (ASCII) per value.
    uint64_t min_bytes = 0;
    for (const Property& p : e.props) min_bytes += p.is_list ? p.count_size : p.size;
    if (format == Format::Ascii) min_bytes = 2 * e.props.size();
    if (min_bytes > 0 && e.count > cur.remaining() / min_bytes) {
      return ply_error(path, "element '" + e.name + "' claims " + std::to_string(e.count) +
                                 " entries, more than the file holds (truncated?)");
    }
    const bool is_vertex = e.name == "vertex";
    const bool is_face = e.name == "face";
    int ix = -1, iy = -1, iz = -1, inx = -1, iny = -1, inz = -1, iu = -1, iv = -1, iface = -1;
    for (size_t i = 0; i < e.props.size(); ++i) {
      const std::string& n = e.props[i].name;
      const int k = static_cast<int>(i);
      if (n == "x")
        ix = k;
      else if (n == "y")
        iy = k;
      else if (n == "z")
        iz = k;
      else if (n == "nx")
        inx = k;
      else if (n == "ny")
        iny = k;
      else if (n == "nz")
        inz = k;
      else if (n == "u" || n == "s" || n == "texture_u" || n == "texture_s")
        iu = k;
      else if (n == "v" || n == "t" || n == "texture_v" || n == "texture_t")
        iv = k;
      else if (n == "vertex_indices" || n == "vertex_index")
        iface = k;
    }
    if (is_vertex) {
      if (ix < 0 || iy < 0 || iz < 0) return ply_error(path, "vertex element lacks x, y or z");
      if (e.count > 0xFFFFFFFFull) return ply_error(path, "too many vertices");
      have_vertices = true;
      mesh.positions.resize(e.count);
      if (inx >= 0 && iny >= 0 && inz >= 0) mesh.normals.resize(e.count);
      if (iu >= 0 && iv >= 0) mesh.uvs.resize(e.count);
    }
    if (is_face && iface < 0) return ply_error(path, "face element lacks vertex_indices");
    std::vector<double> values(e.props.size());
    std::vector<uint32_t> polygon;
    for (uint64_t r = 0; r < e.count; ++r) {
      for (size_t i = 0; i < e.props.size(); ++i) {
        const Property& p = e.props[i];
        if (!p.is_list) {
          if (!cur.read(p.size, p.is_float, p.is_signed, &values[i])) {
            return ply_error(path, "truncated data in element '" + e.name + "'");
          }
          continue;
        }
        double count = 0;
        if (!cur.read(p.count_size, false, false, &count) || count < 0 || count > 1024) {
          return ply_error(path, "bad list length in element '" + e.name + "'");
        }
        const bool keep = is_face && static_cast<int>(i) == iface;
        polygon.clear();
        for (int k = 0; k < static_cast<int>(count); ++k) {
          double idx;
          if (!cur.read(p.size, p.is_float, p.is_signed, &idx)) {
            return ply_error(path, "truncated list in element '" + e.name + "'");
          }
          if (keep) {
            if (idx < 0 || idx >= static_cast<double>(mesh.positions.size())) {
              return ply_error(path, "face " + std::to_string(r) + " uses vertex " +
                                         std::to_string(static_cast<long long>(idx)) +
                                         ", but there are " +
                                         std::to_string(mesh.positions.size()) + " vertices");
            }
            polygon.push_back(static_cast<uint32_t>(idx));
          }
        }
        if (keep) {
          if (polygon.size() < 3)
            return ply_error(path, "face " + std::to_string(r) + " has fewer than 3 vertices");
          for (size_t k = 1; k + 1 < polygon.size(); ++k) {
            mesh.indices.insert(mesh.indices.end(), {polygon[0], polygon[k], polygon[k + 1]});
          }
        }
      }
      if (is_vertex) {
        mesh.positions[r] = {values[static_cast<size_t>(ix)], values[static_cast<size_t>(iy)],
                             values[static_cast<size_t>(iz)]};
        if (!mesh.normals.empty()) {
          mesh.normals[r] = {values[static_cast<size_t>(inx)], values[static_cast<size_t>(iny)],
                             values[static_cast<size_t>(inz)]};
        }
        if (!mesh.uvs.empty()) {
          mesh.uvs[r] = {static_cast<float>(values[static_cast<size_t>(iu)]),
                         static_cast<float>(values[static_cast<size_t>(iv)])};
        }
      }
    }
    if (is_face && !have_vertices) return ply_error(path, "face element before vertex element");
  }
  if (!have_vertices) return ply_error(path, "no vertex element");
  return mesh;
}

}  // namespace tf::scene
