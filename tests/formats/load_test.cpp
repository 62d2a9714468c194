#include "formats/scene/load.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

#include "formats/image/image_io.h"
#include "test_util.h"

namespace tf {
namespace {

TEST(Load, CornellBoxSample) {
  Result<LoadedScene> s =
      load_scene_file(std::filesystem::path(TF_TEST_SCENES_DIR) / "cornell-box/scene.pbrt");
  ASSERT_TRUE(s.is_ok()) << s.message();
  EXPECT_EQ(s->width, 256u);
  EXPECT_EQ(s->height, 256u);
  EXPECT_EQ(s->spp, 64u);
  EXPECT_EQ(s->film_filename, "cornell-box.exr");
  // Light (2) + floor, ceiling, back, two side walls (2 each) + two blocks (10 each).
  EXPECT_EQ(s->kernel.triangles.size(), 2u + 10u + 20u);
  EXPECT_EQ(s->kernel.lights.size(), 2u);
  EXPECT_EQ(s->kernel.header.env_light, -1);
  EXPECT_EQ(s->kernel.header.triangle_count, 32u);
  EXPECT_FALSE(s->kernel.nodes.empty());  // finalized: the BVH exists
  EXPECT_TRUE(s->warnings.empty());
  const nlohmann::json j = describe_scene_json(s.value());
  EXPECT_EQ(j["counts"]["triangles"], 32);
  EXPECT_FLOAT_EQ(j["bounds"]["max"][1].get<float>(), 548.8f);
  EXPECT_NE(describe_scene(s.value()).find("triangles 32"), std::string::npos);
}

TEST(Load, MaterialsAndShotSamples) {
  const std::filesystem::path scenes(TF_TEST_SCENES_DIR);
  Result<LoadedScene> m = load_scene_file(scenes / "materials/scene.pbrt");
  ASSERT_TRUE(m.is_ok()) << m.message();
  EXPECT_EQ(m->kernel.spheres.size(), 6u);
  ASSERT_GE(m->kernel.header.env_light, 0);
  EXPECT_EQ(m->kernel.lights[static_cast<size_t>(m->kernel.header.env_light)].mapping,
            TF_ENV_OCTAHEDRAL);
  EXPECT_TRUE(m->warnings.empty());  // coateddiffuse is rendered as pbrt-v4 defines it
  float previous_x = 1e9f;
  for (int frame = 1; frame <= 24; ++frame) {
    char name[32];
    std::snprintf(name, sizeof name, "shot/shot_%04d.pbrt", frame);
    Result<LoadedScene> s = load_scene_file(scenes / name);
    ASSERT_TRUE(s.is_ok()) << name << ": " << s.message();
    EXPECT_EQ(s->width, 160u);
    EXPECT_EQ(s->kernel.triangles.size(), 2u + 2u * 12u);  // floor + two instanced pillars
    EXPECT_NE(s->kernel.camera.pos_x, previous_x) << "the camera moves every frame";
    previous_x = s->kernel.camera.pos_x;
  }
}

TEST(Load, HeavyMeshGeneratorWritesALoadablePly) {
  if (std::system("python3 --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "python3 not found";
  testing::TempDir dir;
  const std::filesystem::path scenes(TF_TEST_SCENES_DIR);
  std::filesystem::copy_file(scenes / "heavy-mesh/scene.pbrt", dir / "scene.pbrt");
  // A small instance of the same generator (40 segments: 40 x 20 quads).
  const std::string cmd = "python3 '" + (scenes / "heavy-mesh/generate.py").string() + "' '" +
                          (dir / "mesh.ply").string() + "' 40";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  Result<LoadedScene> s = load_scene_file(dir / "scene.pbrt");
  ASSERT_TRUE(s.is_ok()) << s.message();
  EXPECT_EQ(s->kernel.triangles.size(), 2u * 40u * 20u + 2u);
  EXPECT_EQ(s->kernel.vertices.size(), 41u * 21u + 4u);
}

TEST(Load, ImageTextureAndEnvironmentMaps) {
  testing::TempDir dir;
  const float tex[12] = {1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1};  // 2x2
  ASSERT_TRUE(write_exr(dir / "tex.exr", 2, 2, tex).is_ok());
  std::vector<float> sky(8 * 8 * 3, 0.25f);
  ASSERT_TRUE(write_exr(dir / "sky.exr", 8, 8, sky.data()).is_ok());
  std::vector<float> latlong(8 * 4 * 3, 0.5f);
  ASSERT_TRUE(write_exr(dir / "latlong.exr", 8, 4, latlong.data()).is_ok());
  std::vector<float> odd(5 * 4 * 3, 0.5f);
  ASSERT_TRUE(write_exr(dir / "odd.exr", 5, 4, odd.data()).is_ok());
  const std::string body =
      "WorldBegin\nTexture \"t\" \"spectrum\" \"imagemap\" \"string filename\" \"tex.exr\"\n"
      "Material \"diffuse\" \"texture reflectance\" \"t\"\nShape \"sphere\"\n";
  test::write_text(
      dir / "a.pbrt",
      body + "LightSource \"infinite\" \"string filename\" \"sky.exr\" \"float scale\" 2\n");
  Result<LoadedScene> s = load_scene_file(dir / "a.pbrt");
  ASSERT_TRUE(s.is_ok()) << s.message();
  const KernelScene& k = s->kernel;
  ASSERT_EQ(k.textures.size(), 2u);
  EXPECT_EQ(k.textures[0].type, TF_TEX_IMAGE);
  EXPECT_EQ(k.textures[0].width, 2u);
  EXPECT_EQ(std::vector<float>(k.texels.begin(), k.texels.begin() + 12),
            std::vector<float>(tex, tex + 12));
  ASSERT_EQ(k.lights.size(), 1u);
  EXPECT_EQ(k.lights[0].type, TF_LIGHT_ENV_IMAGE);
  EXPECT_EQ(k.lights[0].mapping, TF_ENV_OCTAHEDRAL);
  EXPECT_EQ(k.lights[0].r, 2.f);
  test::write_text(dir / "b.pbrt",
                   body + "LightSource \"infinite\" \"string filename\" \"latlong.exr\"\n");
  Result<LoadedScene> b = load_scene_file(dir / "b.pbrt");
  ASSERT_TRUE(b.is_ok()) << b.message();
  EXPECT_EQ(b->kernel.lights[0].mapping, TF_ENV_EQUIRECT);
  test::write_text(dir / "c.pbrt",
                   body + "LightSource \"infinite\" \"string filename\" \"odd.exr\"\n");
  Result<LoadedScene> c = load_scene_file(dir / "c.pbrt");
  ASSERT_FALSE(c.is_ok());
  EXPECT_NE(c.message().find("c.pbrt:5:1: LightSource: environment image"), std::string::npos)
      << c.message();
}

TEST(Load, ObjThroughAssimpGetsDefaultCameraAndSky) {
  testing::TempDir dir;
  test::write_text(dir / "quad.obj", "v -1 -1 0\nv 1 -1 0\nv 1 1 0\nv -1 1 0\nf 1 2 3 4\n");
  Result<LoadedScene> s = load_scene_file(dir / "quad.obj");
  ASSERT_TRUE(s.is_ok()) << s.message();
  EXPECT_EQ(s->kernel.triangles.size(), 2u);
  ASSERT_EQ(s->kernel.lights.size(), 1u);
  EXPECT_EQ(s->kernel.lights[0].type, TF_LIGHT_ENV_UNIFORM);
  // The camera looks at the centre of the bounds from +z.
  const tf_camera& c = s->kernel.camera;
  EXPECT_GT(c.pos_z, 1.f);
  const float to_center[3] = {-c.pos_x, -c.pos_y, -c.pos_z};
  const float len = std::sqrt(to_center[0] * to_center[0] + to_center[1] * to_center[1] +
                              to_center[2] * to_center[2]);
  EXPECT_NEAR((to_center[0] * c.fwd_x + to_center[1] * c.fwd_y + to_center[2] * c.fwd_z) / len, 1.0,
              1e-5);
  Result<LoadedScene> missing = load_scene_file(dir / "missing.obj");
  ASSERT_FALSE(missing.is_ok());
  EXPECT_NE(missing.message().find("missing.obj"), std::string::npos);
}

}  // namespace
}  // namespace tf
