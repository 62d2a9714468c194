/* Textured area lights: an image whose RGB scales an area light's emission per point
 * (pbrt-v4's DiffuseAreaLight "filename"; glTF's emissiveTexture).
 *
 * pbrt-v4's DiffuseAreaLight::L with an image is scale * max(0, bilerp(image, (u, 1 - v)))
 * as an illuminant in the image's colour space, clamped at the image's edges. In the
 * renderer's RGB that is the texel RGB times the light's r, g, b (which hold scale), and the
 * kernel's t = 1 is the image's top row, so the lookup is at (u, v). The image is an ordinary
 * image texture node: its mapping and wrap modes say where the point's uv reads it (pbrt-v4's:
 * uv, clamped; glTF's: the textureInfo's KHR_texture_transform and sampler wrap modes).
 * The factor is applied wherever emission is evaluated (a path hitting the emitter and
 * next-event estimation), so MIS weights stay consistent; sampling stays uniform by area, as
 * pbrt-v4's does, and light selection weighs the image's mean (light_tables.cpp). */
#ifndef TF_KERNELS_RENDER_EMITTER_TEXTURE_H
#define TF_KERNELS_RENDER_EMITTER_TEXTURE_H

#include "surface.h"
#include "texture.h"

/* Factor of area light l's emission texture (l->texture >= 0) at the point p of primitive
 * prim, (b1, b2) its barycentrics when prim is a triangle: the texture node's value there
 * (its multiplier times the bilinear texel, negative values clamped to 0). The uv is the one
 * materials see: the triangle's vertex uvs (or pbrt's default (0,0), (1,0), (1,1)), the
 * sphere's (phi, theta). */
TF_FN tf_vec3 tf_emission_texture(const tf_scene_view* s, TF_GLOBAL const tf_light* l, tf_u32 prim,
                                  float b1, float b2, tf_vec3 p) {
  tf_tex_ctx c;
  if (prim < s->header.triangle_count) {
    c = tf_triangle_tex_ctx(s, prim, b1, b2);
  } else {
    TF_GLOBAL const tf_sphere* sp = s->spheres + (prim - s->header.triangle_count);
    c.p = p;
    c.n = v3_normalize(v3_sub(p, v3(sp->cx, sp->cy, sp->cz)));
    tf_sphere_uv(c.n, &c.u, &c.v);
  }
  return tf_tex_leaf(s, s->textures + l->texture, &c);
}

#endif
