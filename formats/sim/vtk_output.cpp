#include "formats/sim/vtk_output.h"

#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace tf::sim {
namespace {

static_assert(std::endian::native == std::endian::little, "VTK arrays are written as stored");

bool plain_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

const std::vector<float>* find_field(const std::vector<NamedField>& fields, std::string_view name) {
  for (const NamedField& f : fields) {
    if (f.first == name) return f.second;
  }
  return nullptr;
}

// One array of the appended section: its XML element and its raw block (UInt64 byte count,
// then the values).
struct AppendedArray {
  std::string name;
  int components = 1;
  std::vector<float> interleaved;              // vectors
  const std::vector<float>* values = nullptr;  // scalars: the caller's field
  const std::vector<float>& data() const { return values ? *values : interleaved; }
};

void append_bytes(std::string& out, const void* data, std::size_t size) {
  out.append(static_cast<const char*>(data), size);
}

}  // namespace

Result<std::vector<uint8_t>> vti_bytes(const std::vector<NamedField>& fields, Extent size) {
  const auto cells = static_cast<std::size_t>(size.cell_count());
  std::vector<AppendedArray> arrays;
  for (const NamedField& f : fields) {
    if (!plain_name(f.first)) return Error{"field name '" + f.first + "' is not an identifier"};
    if (f.second->size() != cells) return Error{"field " + f.first + " does not match the grid"};
    arrays.push_back({f.first, 1, {}, f.second});
  }
  const std::vector<float>* ux = find_field(fields, "ux");
  const std::vector<float>* uy = find_field(fields, "uy");
  const std::vector<float>* uz = find_field(fields, "uz");
  if (ux && uy) {
    AppendedArray velocity{"velocity", 3, std::vector<float>(cells * 3), nullptr};
    for (std::size_t i = 0; i < cells; ++i) {
      velocity.interleaved[3 * i] = (*ux)[i];
      velocity.interleaved[3 * i + 1] = (*uy)[i];
      velocity.interleaved[3 * i + 2] = uz ? (*uz)[i] : 0.0f;
    }
    arrays.push_back(std::move(velocity));
  }
  const std::string extent = "0 " + std::to_string(size.nx - 1) + " 0 " +
                             std::to_string(size.ny - 1) + " 0 " + std::to_string(size.nz - 1);
  std::string xml =
      "<?xml version=\"1.0\"?>\n"
      "<VTKFile type=\"ImageData\" version=\"1.0\" byte_order=\"LittleEndian\" "
      "header_type=\"UInt64\">\n"
      "  <ImageData WholeExtent=\"" +
      extent +
      "\" Origin=\"0 0 0\" Spacing=\"1 1 1\">\n"
      "    <Piece Extent=\"" +
      extent +
      "\">\n"
      "      <PointData>\n";
  uint64_t offset = 0;
  for (const AppendedArray& a : arrays) {
    xml += "        <DataArray type=\"Float32\" Name=\"" + a.name + "\" NumberOfComponents=\"" +
           std::to_string(a.components) + "\" format=\"appended\" offset=\"" +
           std::to_string(offset) + "\"/>\n";
    offset += sizeof(uint64_t) + a.data().size() * sizeof(float);
  }
  xml +=
      "      </PointData>\n"
      "    </Piece>\n"
      "  </ImageData>\n"
      "  <AppendedData encoding=\"raw\">\n"
      "   _";
  xml.reserve(xml.size() + offset + 64);
  for (const AppendedArray& a : arrays) {
    const uint64_t bytes = a.data().size() * sizeof(float);
    append_bytes(xml, &bytes, sizeof bytes);
    append_bytes(xml, a.data().data(), bytes);
  }
  xml += "\n  </AppendedData>\n</VTKFile>\n";
  return std::vector<uint8_t>(xml.begin(), xml.end());
}

Result<std::string> pvd_document(const std::vector<CollectionEntry>& entries) {
  std::string xml =
      "<?xml version=\"1.0\"?>\n"
      "<VTKFile type=\"Collection\" version=\"0.1\" byte_order=\"LittleEndian\">\n"
      "  <Collection>\n";
  for (const CollectionEntry& e : entries) {
    for (char c : e.file) {
      if (c == '"' || c == '<' || c == '>' || c == '&') {
        return Error{"file name '" + e.file + "' cannot be written in a collection"};
      }
    }
    xml += "    <DataSet timestep=\"" + std::to_string(e.step) + "\" part=\"0\" file=\"" + e.file +
           "\"/>\n";
  }
  xml += "  </Collection>\n</VTKFile>\n";
  return xml;
}

}  // namespace tf::sim
