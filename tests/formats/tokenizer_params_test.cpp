#include <gtest/gtest.h>

#include "formats/scene/params.h"
#include "formats/scene/spectra.h"
#include "formats/scene/tokenizer.h"

namespace tf::scene {
namespace {

TEST(Tokenizer, KindsTextAndLocations) {
  Tokenizer t = Tokenizer::from_string(
      "Shape \"sphere\" # comment [ ignored\n  [ -1.5e2 +.5 ] \"a\\\"b\\n\" true", "f.pbrt");
  struct Want {
    Token::Kind kind;
    std::string text;
    int line, col;
  };
  const Want want[] = {{Token::Kind::Identifier, "Shape", 1, 1},
                       {Token::Kind::String, "sphere", 1, 7},
                       {Token::Kind::LBracket, "", 2, 3},
                       {Token::Kind::Number, "-1.5e2", 2, 5},
                       {Token::Kind::Number, "+.5", 2, 12},
                       {Token::Kind::RBracket, "", 2, 16},
                       {Token::Kind::String, "a\"b\n", 2, 18},
                       {Token::Kind::Identifier, "true", 2, 27},
                       {Token::Kind::End, "", 2, 31}};
  for (const Want& w : want) {
    Result<Token> tok = t.next();
    ASSERT_TRUE(tok.is_ok()) << tok.message();
    EXPECT_EQ(tok->kind, w.kind) << w.text;
    if (w.kind == Token::Kind::Identifier || w.kind == Token::Kind::String) {
      EXPECT_EQ(tok->text, w.text);
    }
    EXPECT_EQ(tok->loc.line, w.line) << w.text;
    EXPECT_EQ(tok->loc.column, w.col) << w.text;
  }
  Tokenizer n = Tokenizer::from_string("-1.5e2", "n");
  EXPECT_DOUBLE_EQ(n.next()->number, -150.0);
}

TEST(Tokenizer, ErrorsCarryLocation) {
  struct Case {
    const char* text;
    const char* where;
  };
  for (const Case& c :
       {Case{"Shape \"sphere", "f:1:7"}, Case{"\n  1e999", "f:2:3"}, Case{"  1.2.3", "f:1:3"},
        Case{"x \"a\\q\"", "f:1:5"}, Case{"\x01", "f:1:1"}}) {
    Tokenizer t = Tokenizer::from_string(c.text, "f");
    Result<Token> tok = t.next();
    while (tok.is_ok() && tok->kind != Token::Kind::End) tok = t.next();
    ASSERT_FALSE(tok.is_ok()) << c.text;
    EXPECT_EQ(tok.message().rfind(c.where, 0), 0u) << tok.message();
  }
}

Result<ParamSet> parse_params(const std::string& text) {
  Tokenizer t = Tokenizer::from_string(text, "p.pbrt");
  return ParamSet::parse(t, "Test");
}

TEST(Params, EveryTypeParses) {
  Result<ParamSet> r = parse_params(
      "\"integer i\" [ 3 ] \"float f\" 2.5 \"point2 uv\" [0 1 2 3] \"point3 P\" [1 2 3 4 5 6] "
      "\"point p\" [7 8 9] \"vector3 v\" [1 0 0] \"vector w\" [0 1 0] \"normal N\" [0 0 1] "
      "\"normal3 M\" [1 0 0] \"rgb c\" [0.1 0.2 0.3] \"string s\" \"hello\" \"bool b\" true "
      "\"bool q\" \"false\" \"texture t\" \"checks\" \"blackbody bb\" 6500 "
      "\"spectrum k\" \"metal-Au-k\" \"spectrum flat\" [400 0.25 700 0.25]");
  ASSERT_TRUE(r.is_ok()) << r.message();
  ParamSet& p = r.value();
  EXPECT_EQ(p.get_int("i", 0).value(), 3);
  EXPECT_EQ(p.get_float("f", 0).value(), 2.5);
  auto uv = p.get_point2s("uv").value();
  ASSERT_EQ(uv.size(), 2u);
  EXPECT_EQ(uv[1][0], 2.f);
  auto pts = p.get_point3s("P").value();
  ASSERT_EQ(pts.size(), 2u);
  EXPECT_EQ(pts[1].z, 6);
  EXPECT_EQ(p.get_point3("p").value()->y, 8);
  EXPECT_EQ(p.get_vector3("v").value()->x, 1);
  EXPECT_EQ(p.get_vector3("w").value()->y, 1);
  EXPECT_EQ(p.get_normals("N").value()[0].z, 1);
  EXPECT_EQ(p.get_normals("M").value()[0].x, 1);
  EXPECT_EQ(p.get_rgb("c").value().value(), (Rgb{0.1f, 0.2f, 0.3f}));
  EXPECT_EQ(p.get_string("s", "").value(), "hello");
  EXPECT_TRUE(p.get_bool("b", false).value());
  EXPECT_FALSE(p.get_bool("q", true).value());
  EXPECT_EQ(p.get_color_or_texture("t").value()->texture, "checks");
  const Rgb bb = p.get_rgb("bb").value().value();
  EXPECT_NEAR(0.2126 * bb[0] + 0.7152 * bb[1] + 0.0722 * bb[2], 1.0, 2e-3);  // unit luminance
  EXPECT_EQ(p.get_rgb("k").value().value(), named_spectrum_rgb("metal-Au-k").value());
  EXPECT_EQ(p.get_rgb("flat").value().value(), (Rgb{0.25f, 0.25f, 0.25f}));
  EXPECT_TRUE(p.unused().empty());
  // Defaults when absent.
  EXPECT_EQ(p.get_float("absent", 7).value(), 7);
  EXPECT_FALSE(p.get_rgb("absent").value().has_value());
}

TEST(Params, WrongTypesAndCountsNameTheLocation) {
  struct Case {
    const char* text;
    const char* where;
  };
  for (const Case& c :
       {Case{"\"rgb c\" [1 2]", "p.pbrt:1:1"},
        Case{"\"float f\" 1 \"point3 P\" [1 2 3 4]", "p.pbrt:1:13"},
        Case{"\"integer i\" 1.5", "p.pbrt:1:1"}, Case{"\"float f\" \"text\"", "p.pbrt:1:1"},
        Case{"\"bool b\" \"maybe\"", "p.pbrt:1:10"}, Case{"\"quaternion q\" [1]", "p.pbrt:1:1"},
        Case{"\"float\" [1]", "p.pbrt:1:1"}, Case{"\"float f\" [1 2", "p.pbrt:1:11"},
        Case{"\"spectrum s\" [700 1 400 1]", "p.pbrt:1:1"},
        Case{"\"float f\" [ ]", "p.pbrt:1:1"}}) {
    Result<ParamSet> r = parse_params(c.text);
    ASSERT_FALSE(r.is_ok()) << c.text;
    EXPECT_EQ(r.message().rfind(c.where, 0), 0u) << c.text << " -> " << r.message();
  }
  Result<ParamSet> r = parse_params("\"integer n\" 2 \"string s\" \"x\"");
  ASSERT_TRUE(r.is_ok());
  Result<double> wrong = r->get_float("s", 0);
  ASSERT_FALSE(wrong.is_ok());
  EXPECT_NE(wrong.message().find("must be float"), std::string::npos) << wrong.message();
  EXPECT_FALSE(r->get_bool("n", false).is_ok());
  EXPECT_EQ(r->get_float("n", 0).value(), 2.0);  // an integer is a valid float
}

TEST(Spectra, BlackbodyOrderingAndConstantSpectra) {
  const Rgb warm = blackbody_rgb(2700), cool = blackbody_rgb(10000), mid = blackbody_rgb(6504);
  EXPECT_GT(warm[0], warm[2]);
  EXPECT_GT(cool[2], cool[0]);
  // 6504 K is close to the sRGB white point.
  for (float c : mid) EXPECT_NEAR(c, 1.0, 0.08);
  EXPECT_EQ(blackbody_rgb(-1), (Rgb{0, 0, 0}));
  const double flat[] = {380, 0.7, 500, 0.7, 780, 0.7};
  EXPECT_EQ(piecewise_spectrum_rgb(flat), (Rgb{0.7f, 0.7f, 0.7f}));
  // A spectrum that is 1 only at long wavelengths is red.
  const double red[] = {380, 0, 599, 0, 600, 1, 780, 1};
  const Rgb r = piecewise_spectrum_rgb(red);
  EXPECT_GT(r[0], 0.5f);
  EXPECT_LT(r[2], 0.1f);
  EXPECT_FALSE(named_spectrum_rgb("metal-Unobtainium-eta").has_value());
  // Normal-incidence reflectance ((n-1)^2 + k^2) / ((n+1)^2 + k^2) of the metal table: gold is
  // yellow (R > G > B, blue well below), silver and aluminium are bright and nearly neutral.
  auto reflectance = [](const char* metal) {
    const Rgb n = named_spectrum_rgb(std::string("metal-") + metal + "-eta").value();
    const Rgb k = named_spectrum_rgb(std::string("metal-") + metal + "-k").value();
    Rgb refl;
    for (size_t c = 0; c < 3; ++c) {
      refl[c] = ((n[c] - 1) * (n[c] - 1) + k[c] * k[c]) / ((n[c] + 1) * (n[c] + 1) + k[c] * k[c]);
    }
    return refl;
  };
  const Rgb au = reflectance("Au"), ag = reflectance("Ag"), al = reflectance("Al");
  EXPECT_GT(au[0], au[1]);
  EXPECT_GT(au[1], au[2] + 0.2f);
  for (float c : ag) EXPECT_GT(c, 0.85f);
  for (float c : al) EXPECT_GT(c, 0.85f);
  EXPECT_NEAR(named_spectrum_rgb("glass-BK7").value()[1], 1.5168f, 1e-6);
}

}  // namespace
}  // namespace tf::scene
