// Ray tracing throughput. Closest-hit traversal of tilefarm's BVH (the device code, run on
// one host thread) next to Embree 3's rtcIntersect1 on the same triangles and rays in the
// same run, and full path tracing per available backend (rays of every kind per second), with
// the scene's diffuse material, with it coated (pbrt-v4's layered "coateddiffuse") and in a
// homogeneous scattering medium (volumetric path tracing).
//
// Counters: Mrays/s (rate), and for the traversal comparison tilefarm/embree (throughput
// ratio), hit_agreement (share of rays whose nearest hit is the same triangle in both) and
// the size of tilefarm's BVH (nodes, and the megabytes that traversal reads).
#include <benchmark/benchmark.h>
#include <embree3/rtcore.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>

#include "benchmarks/kernels/bench_scene.h"
#include "benchmarks/support/run_registered.h"
#include "benchmarks/support/smoke.h"
#include "kernels/cpu/cpu_backend.h"
#include "kernels/cpu/host_scene.h"
#include "kernels/render/render_pixel.h"

namespace tf::bench {
namespace {

// 2 * 500 * 1000 = 1M triangles and 2^18 rays; a smoke run (--smoke) uses 5,000 and 2^10.
bool g_smoke = false;
uint32_t segments() { return g_smoke ? 100 : 1000; }
uint32_t ray_count() { return g_smoke ? 1u << 10 : 1u << 18; }

// The mesh, its BVH and the rays, built once for every benchmark of the run.
struct TraversalFixture {
  KernelScene scene;
  std::vector<BenchRay> rays;
  double build_seconds = 0;
  TraversalFixture() {
    scene = bumpy_sphere_scene(segments(), 64, 64);
    auto t0 = std::chrono::steady_clock::now();
    Status st = finalize_kernel_scene(&scene);
    build_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!st) std::fprintf(stderr, "%s\n", st.message().c_str());
    rays = random_rays(ray_count(), 17);
  }
  static const TraversalFixture& get() {
    static const TraversalFixture f;
    return f;
  }
};

// Embree 3 scene over the same triangles (the emitter quad included).
class EmbreeScene {
 public:
  explicit EmbreeScene(const KernelScene& s) {
    device_ = rtcNewDevice(nullptr);
    scene_ = rtcNewScene(device_);
    RTCGeometry geom = rtcNewGeometry(device_, RTC_GEOMETRY_TYPE_TRIANGLE);
    auto* v = static_cast<float*>(rtcSetNewGeometryBuffer(geom, RTC_BUFFER_TYPE_VERTEX, 0, RTC_FORMAT_FLOAT3,
                                                          3 * sizeof(float), s.vertices.size()));
    for (size_t i = 0; i < s.vertices.size(); ++i) {
      v[3 * i] = s.vertices[i].px;
      v[3 * i + 1] = s.vertices[i].py;
      v[3 * i + 2] = s.vertices[i].pz;
    }
    auto* idx = static_cast<unsigned*>(rtcSetNewGeometryBuffer(geom, RTC_BUFFER_TYPE_INDEX, 0, RTC_FORMAT_UINT3,
                                                              3 * sizeof(unsigned), s.triangles.size()));
    for (size_t i = 0; i < s.triangles.size(); ++i) {
      idx[3 * i] = s.triangles[i].v0;
      idx[3 * i + 1] = s.triangles[i].v1;
      idx[3 * i + 2] = s.triangles[i].v2;
    }
    rtcCommitGeometry(geom);
    rtcAttachGeometry(scene_, geom);
    rtcReleaseGeometry(geom);
    rtcSetSceneBuildQuality(scene_, RTC_BUILD_QUALITY_HIGH);
    auto t0 = std::chrono::steady_clock::now();
    rtcCommitScene(scene_);
    build_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  ~EmbreeScene() {
    rtcReleaseScene(scene_);
    rtcReleaseDevice(device_);
  }
  EmbreeScene(const EmbreeScene&) = delete;
  EmbreeScene& operator=(const EmbreeScene&) = delete;

  // Nearest triangle id along the ray, or RTC_INVALID_GEOMETRY_ID.
  unsigned intersect(const BenchRay& r) const {
    RTCIntersectContext ctx;
    rtcInitIntersectContext(&ctx);
    RTCRayHit rh{};
    rh.ray.org_x = r.o[0]; rh.ray.org_y = r.o[1]; rh.ray.org_z = r.o[2];
    rh.ray.dir_x = r.d[0]; rh.ray.dir_y = r.d[1]; rh.ray.dir_z = r.d[2];
    rh.ray.tnear = 0.0f;
    rh.ray.tfar = TF_FLOAT_MAX;
    rh.ray.mask = ~0u;
    rh.hit.geomID = RTC_INVALID_GEOMETRY_ID;
    rtcIntersect1(scene_, &ctx, &rh);
    return rh.hit.geomID == RTC_INVALID_GEOMETRY_ID ? RTC_INVALID_GEOMETRY_ID : rh.hit.primID;
  }

  double build_seconds = 0;

 private:
  RTCDevice device_;
  RTCScene scene_;
};

// What closest-hit traversal reads: BVH nodes, leaf triangles and prim_index (ids on hits).
double traversal_megabytes(const KernelScene& s) {
  size_t bytes = s.nodes.size() * sizeof(tf_bvh_node) + s.leaf_triangles.size() * sizeof(tf_leaf_triangle) +
                 s.prim_index.size() * sizeof(uint32_t);
  return static_cast<double>(bytes) / 1e6;
}

tf_ray to_ray(const BenchRay& r) {
  tf_ray ray;
  ray.o = v3(r.o[0], r.o[1], r.o[2]);
  ray.d = v3(r.d[0], r.d[1], r.d[2]);
  return ray;
}

void BM_ClosestHit_TilefarmVsEmbree(benchmark::State& state) {
  const TraversalFixture& f = TraversalFixture::get();
  static const EmbreeScene embree(f.scene);
  static const HostScene host(f.scene);  // as the CPU backend lays it out
  const tf_scene_view& view = host.view();
  double tf_seconds = 0, embree_seconds = 0;
  uint64_t agree = 0, total = 0;
  for (auto _ : state) {
    std::vector<uint32_t> ours(f.rays.size());
    std::vector<unsigned> theirs(f.rays.size());
    auto t0 = std::chrono::steady_clock::now();
    for (size_t i = 0; i < f.rays.size(); ++i) ours[i] = tf_closest_hit(&view, to_ray(f.rays[i]), 0.0f, TF_FLOAT_MAX).prim;
    auto t1 = std::chrono::steady_clock::now();
    for (size_t i = 0; i < f.rays.size(); ++i) theirs[i] = embree.intersect(f.rays[i]);
    auto t2 = std::chrono::steady_clock::now();
    tf_seconds += std::chrono::duration<double>(t1 - t0).count();
    embree_seconds += std::chrono::duration<double>(t2 - t1).count();
    for (size_t i = 0; i < f.rays.size(); ++i) {
      bool tf_miss = ours[i] == TF_NO_PRIM, em_miss = theirs[i] == RTC_INVALID_GEOMETRY_ID;
      agree += (tf_miss && em_miss) || (!tf_miss && !em_miss && ours[i] == theirs[i]);
    }
    total += f.rays.size();
    benchmark::DoNotOptimize(ours.data());
    benchmark::DoNotOptimize(theirs.data());
  }
  double rays = static_cast<double>(total);
  state.counters["tilefarm_Mrays/s"] = rays / tf_seconds / 1e6;
  state.counters["embree_Mrays/s"] = rays / embree_seconds / 1e6;
  state.counters["tilefarm/embree"] = embree_seconds / tf_seconds;
  state.counters["hit_agreement"] = static_cast<double>(agree) / rays;
  state.counters["triangles"] = static_cast<double>(f.scene.triangles.size());
  state.counters["tilefarm_bvh_nodes"] = static_cast<double>(f.scene.nodes.size());
  state.counters["tilefarm_traversal_MB"] = traversal_megabytes(f.scene);
  state.counters["tilefarm_build_s"] = f.build_seconds;
  state.counters["embree_build_s"] = embree.build_seconds;
}
BENCHMARK(BM_ClosestHit_TilefarmVsEmbree)->Unit(benchmark::kMillisecond)->UseRealTime();

// The benchmark scene's diffuse material as pbrt-v4's "coateddiffuse" with its defaults: a
// smooth eta 1.5 coating over the same base, an absorbing layer 0.01 deep, random walks of at
// most 10 events, one walk per estimate (kernels/render/layered_bsdf.h).
void coat_materials(KernelScene* scene) {
  for (tf_material& m : scene->materials) {
    m.type = TF_MAT_COATED_DIFFUSE;
    m.coat_eta = 1.5f;
    m.coat_alpha_u = m.coat_alpha_v = 0.0f;
    m.thickness = 0.01f;
    m.max_depth = 10;
    m.n_samples = 1;
  }
}

// The benchmark scene in haze: a homogeneous scattering medium (optical depth about 1 from
// the camera to the mesh, blue scattered most, forward-scattering g = 0.3) filling an
// "interface" sphere of radius 6 around the camera and the mesh, so that paths scatter in the
// medium, do next-event estimation with shadow rays through the boundary, and cross it. With
// `grid`, the same coefficients scaled by a 16^3 uniform grid of densities between 0.5 and 1.5
// over the boundary's box (kernels/render/medium_grid.h): delta tracking and ratio tracking.
Status add_haze(KernelScene* scene, bool grid) {
  tf_medium haze{};
  haze.sigma_a_r = haze.sigma_a_g = haze.sigma_a_b = 0.05f;
  haze.sigma_s_r = 0.2f, haze.sigma_s_g = 0.25f, haze.sigma_s_b = 0.35f;
  haze.g = 0.3f;
  if (grid) {
    haze.kind = TF_MEDIUM_GRID;
    haze.medium_from_world[0] = haze.medium_from_world[5] = haze.medium_from_world[10] = 1.0f;
    haze.nx = haze.ny = haze.nz = 16;
    for (int a = 0; a < 3; ++a) haze.p0[a] = -6.0f, haze.p1[a] = 6.0f;
    for (uint32_t i = 0; i < 16 * 16 * 16; ++i) {
      scene->densities.push_back(1.0f + 0.5f * std::sin(0.37f * static_cast<float>(i)));
    }
  }
  scene->media.push_back(haze);
  tf_sphere boundary{};
  boundary.radius = 6.0f;
  boundary.material = 0;
  boundary.light = -1;
  boundary.flags = TF_PRIM_NO_SURFACE | TF_PRIM_MEDIA(1u, 0u);
  scene->spheres.push_back(boundary);
  scene->header.camera_medium = 1u;
  return finalize_kernel_scene(scene);  // the BVH again, with the boundary
}

enum class Variant { kDiffuse, kCoated, kHaze, kGridHaze };

// Full path tracing of the benchmark scene (1M-triangle mesh, area light, environment) on one
// backend, with its diffuse material, coated (coat_materials) or in haze (add_haze, homogeneous
// or a grid): all rays (camera, bounce, shadow) per second.
void path_trace(benchmark::State& state, Backend* backend, Variant variant) {
  const TraversalFixture& f = TraversalFixture::get();
  KernelScene scene = f.scene;
  scene.camera = bumpy_sphere_scene(4, 128, 96).camera;  // a larger film than the fixture's
  if (variant == Variant::kCoated) coat_materials(&scene);
  const bool haze = variant == Variant::kHaze || variant == Variant::kGridHaze;
  Status st = haze ? add_haze(&scene, variant == Variant::kGridHaze) : Status::ok();
  if (st) st = backend->load_scene(scene);
  if (!st) {
    state.SkipWithError(st.message().c_str());
    return;
  }
  RenderUnit unit;
  unit.x1 = scene.camera.width;
  unit.y1 = scene.camera.height;
  unit.s1 = 4;
  uint64_t rays = 0;
  for (auto _ : state) {
    TileResult out;
    st = backend->render(unit, &out);
    if (!st) {
      state.SkipWithError(st.message().c_str());
      return;
    }
    rays += out.rays;
    unit.frame += 1;
  }
  state.counters["Mrays/s"] = benchmark::Counter(static_cast<double>(rays) / 1e6, benchmark::Counter::kIsRate);
  state.SetLabel(backend->device().name);
}

}  // namespace
}  // namespace tf::bench

// Registers one path tracing benchmark per device: every device of the registry when it is
// linked in (TILEFARM_HAVE_BACKEND_REGISTRY), else the CPU backend alone.
int main(int argc, char** argv) {
  tf::bench::g_smoke = tf::bench::take_smoke_flag(&argc, argv);
  std::vector<std::unique_ptr<tf::Backend>> backends;
#if TILEFARM_HAVE_BACKEND_REGISTRY
  for (const tf::DeviceInfo& d : tf::list_devices()) {
    tf::Result<std::unique_ptr<tf::Backend>> b = tf::make_backend(d.backend, d.index);
    if (b) backends.push_back(std::move(b).value());
  }
#else
  backends.push_back(tf::make_cpu_backend());
#endif
  for (auto& b : backends) {
    tf::Backend* raw = b.get();
    const std::string device = raw->device().backend + "/" + std::to_string(raw->device().index);
    using tf::bench::Variant;
    for (auto [variant, prefix] : {std::pair{Variant::kDiffuse, "BM_PathTrace/"},
                                   std::pair{Variant::kCoated, "BM_PathTraceCoated/"},
                                   std::pair{Variant::kHaze, "BM_PathTraceMedium/"},
                                   std::pair{Variant::kGridHaze, "BM_PathTraceGridMedium/"}}) {
      std::string name = prefix + device;
      benchmark::RegisterBenchmark(name.c_str(),
                                   [raw, variant](benchmark::State& s) { tf::bench::path_trace(s, raw, variant); })
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
    }
  }
  return tf::bench::run_registered_benchmarks(argc, argv);
}
