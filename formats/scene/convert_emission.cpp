#include "formats/scene/convert_emission.h"

#include <algorithm>

#include "formats/scene/spectra.h"

namespace tf::scene {
namespace {

// Appends grid g's samples to *densities and sets n and offset to them.
void append_grid(const DensityGrid& g, tf_u32 n[3], tf_u32* offset, std::vector<float>* densities) {
  n[0] = static_cast<tf_u32>(g.nx), n[1] = static_cast<tf_u32>(g.ny);
  n[2] = static_cast<tf_u32>(g.nz);
  *offset = static_cast<tf_u32>(densities->size());
  densities->insert(densities->end(), g.density.begin(), g.density.end());
}

}  // namespace

void convert_medium_emission(const IrMedium& m, tf_medium* km, std::vector<float>* densities) {
  if (!m.emissive) return;
  km->emissive = 1u;
  for (size_t c = 0; c < 3; ++c) km->le[c] = m.le[c];
  if (m.le_scale) append_grid(*m.le_scale, km->lescale_n, &km->lescale_offset, densities);
  if (!m.temperature) return;
  const DensityGrid& t = *m.temperature;
  append_grid(t, km->temp_n, &km->temp_offset, densities);
  for (size_t a = 0; a < 3; ++a) km->temp_p0[a] = t.p0[a], km->temp_p1[a] = t.p1[a];
  km->temp_shift = m.temperature_offset;
  km->temp_scale = m.temperature_scale;
  double hottest = 0;
  for (float v : t.density) {
    hottest =
        std::max(hottest, (static_cast<double>(v) - m.temperature_offset) * m.temperature_scale);
  }
  hottest = std::max(hottest, -static_cast<double>(m.temperature_offset) * m.temperature_scale);
  km->bb_t0 = 100.0f;
  km->bb_t1 = static_cast<float>(std::max(hottest, 101.0));
  km->bb_count = kBlackbodyTableSize;
  km->bb_offset = static_cast<tf_u32>(densities->size());
  for (uint32_t i = 0; i < kBlackbodyTableSize; ++i) {
    const double kelvin =
        km->bb_t0 + (static_cast<double>(km->bb_t1) - km->bb_t0) * i / (kBlackbodyTableSize - 1);
    const Rgb e = blackbody_film_rgb(kelvin);
    for (float c : e) densities->push_back(static_cast<float>(c * m.blackbody_scale));
  }
}

}  // namespace tf::scene
