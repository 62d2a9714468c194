/* The kernel scene: flat arrays of plain structs that every backend uploads as-is.
 *
 * Layout rules (platform.h): only 4-byte scalars, sizes a multiple of 16 bytes where cheap,
 * no pointers. Host code (kernels/render/kernel_scene.h) fills these; device code only reads.
 * A change here that changes the bytes a render unit produces bumps TF_RENDER_KERNEL_VERSION
 * (render_pixel.h); a layout change alone (same bytes on every backend) does not.
 */
#ifndef TF_KERNELS_RENDER_SCENE_TYPES_H
#define TF_KERNELS_RENDER_SCENE_TYPES_H

#include "../device/platform.h"

/* Perspective camera with optional thin lens. right/up/forward are unit world vectors:
 * raster x grows along `right`, raster y grows along -`up` (row 0 is the top of the image).
 * A raster position (x, y) in [0,width]x[0,height] maps to the direction
 * forward + right * ((2x/width - 1) * tan_half_x + center_x)
 *         + up * ((1 - 2y/height) * tan_half_y + center_y).
 * center_x/y are 0 for a whole film; for a crop window (pbrt "cropwindow"/"pixelbounds") the
 * film is the cropped region and they shift its centre to where it lies in the whole film. */
typedef struct tf_camera {
  float pos_x, pos_y, pos_z;
  float right_x, right_y, right_z;
  float up_x, up_y, up_z;
  float fwd_x, fwd_y, fwd_z;
  float tan_half_x, tan_half_y;
  float lens_radius;     /* 0: pinhole */
  float focal_distance;  /* distance along forward to the plane in focus */
  tf_u32 width, height;
  float center_x, center_y;
} tf_camera;

typedef struct tf_vertex {
  float px, py, pz;
  float nx, ny, nz; /* shading normal; meaningful when the triangle has TF_TRI_HAS_NORMALS */
  float u, v;       /* meaningful when the triangle has TF_TRI_HAS_UV */
} tf_vertex;

#define TF_TRI_HAS_NORMALS 1u
#define TF_TRI_HAS_UV 2u
#define TF_PRIM_FLIP_NORMAL 4u /* pbrt ReverseOrientation (matters for one-sided emitters) */
#define TF_PRIM_NO_SURFACE 8u  /* pbrt "interface" material: bounds media only, rays pass */
#define TF_PRIM_ALPHA 16u      /* triangles: its material's alpha_tex cuts hits out
                                  (alpha_cutout.h) */

/* A primitive's medium interface (pbrt MediumInterface), packed into the upper bits of its
 * flags as 1 + index into media[] (0: vacuum): inside in bits 8..19, outside in bits 20..31.
 * Inside is the side opposite the geometric normal of tf_surface (surface.h). A primitive
 * whose inside and outside agree is no medium transition: rays crossing it keep their medium.
 * Kernel code: medium_trace.h. */
#define TF_MAX_MEDIA 4095u
#define TF_PRIM_MEDIA(inside1, outside1) (((tf_u32)(inside1) << 8) | ((tf_u32)(outside1) << 20))
#define TF_PRIM_INSIDE1(flags) (((flags) >> 8) & 0xFFFu)
#define TF_PRIM_OUTSIDE1(flags) ((flags) >> 20)

typedef struct tf_triangle {
  tf_u32 v0, v1, v2; /* indices into vertices[] */
  tf_u32 material;   /* index into materials[] */
  tf_i32 light;      /* index into lights[] when emissive, else -1 */
  tf_u32 flags;
} tf_triangle;

typedef struct tf_sphere {
  float cx, cy, cz, radius;
  tf_u32 material;
  tf_i32 light;
  tf_u32 flags;
  tf_u32 pad;
} tf_sphere;

/* Primitive ids: [0, triangle_count) are triangles, [triangle_count, +sphere_count) spheres.
 * Closest-hit ties (equal t) go to the smaller primitive id, so results never depend on the
 * BVH layout. */

/* 4-wide BVH node: the boxes of up to four children in SoA form (min_x[0..3], then max_x,
 * ...), so that the four slab tests are straight-line code over arrays, plus where each child
 * is. Slot i is
 *   - an interior child: leaf[i] == TF_BVH_INTERIOR, child[i] = its node index;
 *   - a leaf: leaf[i] = triangles | spheres << 16 (TF_BVH_LEAF_*), child[i] = its first entry
 *     in prim_index[] and leaf_triangles[]: `triangles` triangle entries, then `spheres`
 *     sphere entries;
 *   - empty: a leaf of no primitives (so entering it tests nothing) with an inverted box
 *     (min TF_FLOAT_MAX, max -TF_FLOAT_MAX), which rays miss.
 * The root is node 0 (an empty scene has no nodes). 128 bytes: two cache lines when the
 * array is 64-byte aligned. */
#define TF_BVH_WIDTH 4
#define TF_BVH_INTERIOR 0xFFFFFFFFu
#define TF_BVH_LEAF_TRIANGLES(leaf) ((leaf) & 0xFFFFu)
#define TF_BVH_LEAF_SPHERES(leaf) ((leaf) >> 16)

typedef struct tf_bvh_node {
  float min_x[TF_BVH_WIDTH], max_x[TF_BVH_WIDTH];
  float min_y[TF_BVH_WIDTH], max_y[TF_BVH_WIDTH];
  float min_z[TF_BVH_WIDTH], max_z[TF_BVH_WIDTH];
  tf_u32 child[TF_BVH_WIDTH];
  tf_u32 leaf[TF_BVH_WIDTH];
} tf_bvh_node;

/* A triangle as leaves store it (entry i of leaf_triangles[] belongs to prim_index[i]):
 * vertex 0 and the edges to vertices 1 and 2, exactly as the triangle test computes them
 * from tf_vertex positions, so the test reads one record instead of following
 * prim_index -> tf_triangle -> three tf_vertex. 36 bytes (not padded to 48: leaves are read
 * whole, and 12 more bytes per triangle would cost a third more memory traffic). Entries of
 * spheres are zero and unused. */
typedef struct tf_leaf_triangle {
  float p0_x, p0_y, p0_z;
  float e1_x, e1_y, e1_z;
  float e2_x, e2_y, e2_z;
} tf_leaf_triangle;

#define TF_MAT_DIFFUSE 0u
#define TF_MAT_CONDUCTOR 1u
#define TF_MAT_DIELECTRIC 2u
#define TF_MAT_THIN_DIELECTRIC 3u
#define TF_MAT_COATED_DIFFUSE 4u   /* dielectric coating over a diffuse base (r, g, b) */
#define TF_MAT_COATED_CONDUCTOR 5u /* dielectric coating over a conductor (eta, k, alphas) */
#define TF_MAT_DIFFUSE_TRANSMISSION 6u /* Lambertian reflection (r, g, b) and transmission
                                          (trans_r, trans_g, trans_b), pbrt-v4's */
#define TF_MAT_MIX 7u /* pbrt-v4's MixMaterial: one of two materials per hit (mix_material.h) */
#define TF_MIX_MAX_DEPTH 8u /* mixes of mixes: nesting levels the kernel resolves */
#define TF_MAT_HAIR 8u /* pbrt-v4's HairBxDF (hair_bsdf.h): sigma_a in (r, g, b), eta in eta_r,
                         beta_m, beta_n, hair_alpha */
#define TF_MAT_MEASURED 9u /* pbrt-v4's MeasuredBxDF (measured_bxdf.h): tables at `measured` */

#define TF_MAT_USE_REFLECTANCE 1u /* conductor: Fresnel from reflectance (r,g,b), not eta/k */
#define TF_MAT_REMAP_ROUGHNESS 2u /* roughness textures: alpha = sqrt(roughness) (pbrt's
                                     remaproughness); constant alphas are remapped on the host */

typedef struct tf_material {
  tf_u32 type;
  tf_i32 texture;            /* reflectance texture, -1: constant (r, g, b) */
  float r, g, b;             /* diffuse reflectance, or conductor reflectance */
  float eta_r, eta_g, eta_b; /* conductor: complex IOR real part; dielectric: eta in eta_r */
  float k_r, k_g, k_b;       /* conductor: complex IOR imaginary part */
  float alpha_u, alpha_v;    /* GGX alpha (already remapped); both 0: perfectly smooth;
                                coated conductor: of the conductor */
  tf_u32 flags;
  /* Coated materials (kernels/render/layered_bsdf.h): */
  float coat_eta;                     /* the coating's IOR */
  float coat_alpha_u, coat_alpha_v;   /* the coating's GGX alphas */
  float thickness, hg_g;              /* medium under the coating: depth, HG asymmetry */
  float albedo_r, albedo_g, albedo_b; /* medium albedo; all 0: absorbing only */
  tf_u32 max_depth, n_samples;        /* random walk: events per walk, walks per estimate */
  tf_u32 displacement;                /* 1 + index of the float texture bump-mapping the
                                         shading normal (bump.h); 0 (zeroed structs): none */
  tf_u32 alpha_tex;                   /* 1 + index of the float alpha texture of primitives
                                         flagged TF_PRIM_ALPHA (alpha_cutout.h); 0: none */
  tf_u32 normal_map;                  /* 1 + index of the image texture giving the shading
                                         normal (normal_map.h); 0: none */
  tf_u32 measured;                    /* TF_MAT_MEASURED: 1 + texels[] offset of its tables
                                         (measured_bxdf.h) */
  tf_u32 pad1, pad2;                  /* keeps the size a multiple of 16 bytes */
  float trans_r, trans_g, trans_b;    /* diffuse transmission: transmittance */
  float beta_m, beta_n, hair_alpha;   /* hair: roughness along and around the fibre, scale
                                         tilt in degrees */
  /* TF_MAT_MIX: materials[mix_m1] with probability "amount", else materials[mix_m0]; the
     amount is float texture mix_amount_tex - 1, or the constant mix_amount when 0 */
  tf_u32 mix_m0, mix_m1;
  float mix_amount;
  tf_u32 mix_amount_tex;
  /* Float roughness textures, 1 + texture index (0: the constant alphas above), evaluated per
     hit (material_textures.h): of alpha_u / alpha_v and of coat_alpha_u / coat_alpha_v */
  tf_u32 rough_u_tex, rough_v_tex;
  tf_u32 coat_rough_u_tex, coat_rough_v_tex;
} tf_material;

#define TF_TEX_CONSTANT 0u
#define TF_TEX_IMAGE 1u
#define TF_TEX_CHECKERBOARD 2u
/* pbrt-v4's other texture kinds (kernels/render/texture_graph.h). Float textures hold their
 * value in all three channels. */
#define TF_TEX_BILERP 3u       /* leaf: r,g,b = v00, r2.. = v10, c3 = v01, c4 = v11 */
#define TF_TEX_DOTS 4u         /* leaf: r,g,b inside a dot, r2.. outside */
#define TF_TEX_FBM 5u          /* leaf, 3D: FBm(p, omega, octaves) */
#define TF_TEX_WRINKLED 6u     /* leaf, 3D: Turbulence(p, omega, octaves) */
#define TF_TEX_WINDY 7u        /* leaf, 3D */
#define TF_TEX_MARBLE 8u       /* leaf, 3D: omega, octaves, scale, variation */
#define TF_TEX_MIX 9u          /* node: pops tex1, tex2, amount */
#define TF_TEX_DIRECTIONMIX 10u /* node: pops tex1, tex2; dir = unit direction (world) */
#define TF_TEX_SCALE 11u       /* node: pops tex, scale */
#define TF_TEX_LAST TF_TEX_SCALE
#define TF_TEX_STACK 8u        /* value stack of a texture program: its deepest graph */
#define TF_TEX_MAX_NODES 64u   /* nodes of one texture program */

/* Where a texture's coordinates come from (pbrt-v4's mappings). 2D kinds use UV (the default),
 * SPHERICAL, CYLINDRICAL or PLANAR (or UV_AFFINE, glTF's transforms); 3D kinds and 3D
 * checkerboards use POINT3D. All but UV and UV_AFFINE first take the hit point to texture space
 * through xf (texture-from-world, 3x4 row-major). */
#define TF_MAP_UV 0u
#define TF_MAP_SPHERICAL 1u
#define TF_MAP_CYLINDRICAL 2u
#define TF_MAP_PLANAR 3u       /* s = udelta + dot(q, vs), t = vdelta + dot(q, vt) */
#define TF_MAP_POINT3D 4u
#define TF_MAP_UV_AFFINE 5u    /* PLANAR's formula at q = (u, v, 0): any affine map of (u, v),
                                  e.g. glTF's KHR_texture_transform with a rotation */
#define TF_MAP_LAST TF_MAP_UV_AFFINE

/* How an image texture's texel indices wrap outside the image, per axis (the texel index i
 * of an axis of n texels, as OpenGL and glTF samplers define it): REPEAT i mod n, CLAMP
 * (clamp-to-edge) the nearest of [0, n), MIRROR (mirrored repeat) i mod 2n reflected back into
 * [0, n). Zero is REPEAT, so zeroed textures repeat. */
#define TF_WRAP_REPEAT 0u
#define TF_WRAP_CLAMP 1u
#define TF_WRAP_MIRROR 2u

/* value(u, v) = scale * base(u * uscale + udelta, v * vscale + vdelta) for UV-mapped leaves.
 * A texture is the last node of a post-order program: nodes [index - count + 1, index]
 * (count 0 or 1: the node alone), each pushing one value, nodes (MIX, DIRECTIONMIX, SCALE)
 * popping their operands in the order listed above (texture_graph.h). */
typedef struct tf_texture {
  tf_u32 type;
  tf_u32 width, height;  /* TF_TEX_IMAGE: texels[offset .. offset + width*height*3), linear RGB,
                            row 0 at the top (v = 1) */
  tf_u32 offset;
  float r, g, b;         /* constant colour / checkerboard first colour / multiplier for images */
  float r2, g2, b2;      /* checkerboard second colour */
  float uscale, vscale, udelta, vdelta;
  tf_u32 mapping;        /* TF_MAP_* */
  tf_u32 count;          /* nodes in this texture's program (see above) */
  tf_u32 invert;         /* TF_TEX_IMAGE: max(0, 1 - value) (pbrt "invert") */
  tf_u32 wrap_s, wrap_t; /* TF_TEX_IMAGE: TF_WRAP_* along the image's x and y */
  tf_u32 octaves;        /* noise kinds */
  float xf[12];          /* texture-from-world, rows of a 3x4 matrix */
  float vs[3], vt[3];    /* TF_MAP_PLANAR axes */
  float c3[3], c4[3];    /* TF_TEX_BILERP v01, v11 */
  float omega, noise_scale, variation; /* noise: roughness; marble scale and variation */
  float dir[3];          /* TF_TEX_DIRECTIONMIX */
} tf_texture;

#define TF_LIGHT_AREA 0u        /* emissive primitive `prim` */
#define TF_LIGHT_POINT 1u
#define TF_LIGHT_SPOT 2u
#define TF_LIGHT_DISTANT 3u
#define TF_LIGHT_ENV_UNIFORM 4u
#define TF_LIGHT_ENV_IMAGE 5u

#define TF_ENV_EQUIRECT 0u
#define TF_ENV_OCTAHEDRAL 1u    /* pbrt-v4 equal-area octahedral mapping */

typedef struct tf_light {
  tf_u32 type;
  tf_u32 prim;           /* TF_LIGHT_AREA: primitive id */
  tf_u32 two_sided;      /* TF_LIGHT_AREA */
  tf_i32 texture;        /* TF_LIGHT_ENV_IMAGE: image texture index; TF_LIGHT_AREA: image
                            texture scaling r, g, b per point by its own mapping and wrap,
                            -1: none (emitter_texture.h) */
  float r, g, b;         /* radiance (area, env; scale applied) or intensity (point, spot) or
                            irradiance (distant) */
  float px, py, pz;      /* point, spot: position */
  float dx, dy, dz;      /* spot: axis; distant: direction towards the light */
  float cos_total;       /* spot: cosine of the cone's total width */
  float cos_falloff;     /* spot: cosine where falloff starts */
  tf_u32 mapping;        /* TF_LIGHT_ENV_IMAGE: TF_ENV_EQUIRECT or TF_ENV_OCTAHEDRAL */
  tf_u32 distribution;   /* TF_LIGHT_ENV_IMAGE: offset into distribution[] (sampling tables) */
  float world_to_light[9]; /* environment lights: row-major rotation, world dir -> map dir */
  tf_u32 pad0, pad1, pad2;
} tf_light;

/* Participating medium: coefficients per unit length in the renderer's RGB, "scale" applied,
 * and the Henyey-Greenstein asymmetry g in (-1, 1). Homogeneous media (pbrt-v4 "homogeneous",
 * kind 0, so zeroed structs are homogeneous) use the first eight fields only. Heterogeneous
 * media (pbrt-v4's GridMedium "uniformgrid" and CloudMedium "cloud") scale both coefficients
 * by a density d(p) >= 0 looked up in medium space, zero outside the box [p0, p1].
 * Emission (pbrt-v4's "Le", "Lescale" and temperature grids; medium_emission.h): only media
 * with `emissive` != 0 read the fields after it, so media that emit nothing skip that code.
 * Kernel code: medium.h (homogeneous), medium_grid.h and medium_tracking.h (heterogeneous). */
#define TF_MEDIUM_HOMOGENEOUS 0u
#define TF_MEDIUM_GRID 1u  /* densities[offset ..] hold nx*ny*nz samples, x fastest, cell-centred */
#define TF_MEDIUM_CLOUD 2u /* pbrt-v4's procedural cloud density */

typedef struct tf_medium {
  float sigma_a_r, sigma_a_g, sigma_a_b; /* absorption */
  float sigma_s_r, sigma_s_g, sigma_s_b; /* scattering */
  float g;
  tf_u32 kind;                    /* TF_MEDIUM_* */
  float medium_from_world[12];    /* rows of a 3x4 matrix: the inverse CTM at MakeNamedMedium */
  float p0[3], p1[3];             /* the density's box in medium space, p0 < p1 */
  tf_u32 nx, ny, nz, offset;      /* TF_MEDIUM_GRID: resolution, first sample in densities[] */
  float majorant;                 /* >= sigma_t(p) in every channel everywhere (set by
                                     finalize_kernel_scene) */
  float density, wispiness, frequency; /* TF_MEDIUM_CLOUD parameters (pbrt's) */
  tf_u32 emissive;                /* 0: emits nothing */
  float le[3];                    /* emitted radiance (RGB) where no temperature grid is given */
  tf_u32 lescale_n[3], lescale_offset; /* TF_MEDIUM_GRID: a grid of factors of the emission on
                                          the box [p0, p1] in densities[] (n[0] == 0: none) */
  tf_u32 temp_n[3], temp_offset;  /* TF_MEDIUM_GRID: a temperature grid (n[0] == 0: none) ... */
  float temp_p0[3], temp_p1[3];   /* ... on its own box in medium space */
  float temp_shift, temp_scale;   /* kelvin = (sample - temp_shift) * temp_scale */
  tf_u32 bb_offset, bb_count;     /* bb_count >= 2 RGB triples in densities[]: the emission at */
  float bb_t0, bb_t1;             /* kelvins bb_t0 .. bb_t1 evenly (medium_emission.h) */
  tf_u32 albedo_table;            /* homogeneous "subsurface" interiors with a reflectance
                                     texture: 1 + offset in densities[] of the albedo table
                                     (subsurface_albedo.h); 0: the constant coefficients */
  tf_u32 pad1;
} tf_medium;

/* Sampling tables (`distribution`, built by finalize_kernel_scene): at offset 0 the light
 * selection distribution over all lights (by emitted power), TF_DIST1D_SIZE(light_count)
 * floats; then one TF_DIST2D_SIZE(width, height) table per image environment light at its
 * `distribution` offset. Formats: kernels/render/sampling.h. */

/* The film's response to each camera sample, pbrt-v4's RGBFilm::AddSample followed by its
 * output conversion: with flags & TF_FILM_RESPONSE, a sample of radiance L (linear sRGB)
 * becomes s = sensor_from_radiance * L (the sensor's RGB, imaging ratio included); if the
 * largest component of s exceeds max_component, s is scaled by max_component / that component;
 * the pixel adds output_from_sensor * s. Matrices are row-major. flags == 0: the pixel adds L
 * unchanged (pbrt's pass-through defaults), so default scenes render as they always did. */
#define TF_FILM_RESPONSE 1u

typedef struct tf_film {
  tf_u32 flags;
  float max_component; /* TF_FLOAT_MAX: no clamp */
  float sensor_from_radiance[9];
  float output_from_sensor[9];
} tf_film;

/* Everything that is one number per scene. */
typedef struct tf_scene_header {
  tf_u32 triangle_count, sphere_count, light_count, node_count;
  tf_u32 max_depth;      /* pbrt Integrator "maxdepth" (default 5) */
  tf_i32 env_light;      /* index of the environment light hit by escaping rays, -1: black
                            (set by finalize_kernel_scene; at most one environment light) */
  tf_u32 camera_medium;  /* 1 + index into media[] of the medium around the camera, 0: vacuum */
  tf_u32 medium_count;   /* media[] entries (set by finalize_kernel_scene) */
  tf_u32 alpha_prims;    /* primitives flagged TF_PRIM_ALPHA (set by finalize_kernel_scene);
                            0 spares traversal the test */
  tf_film film;
} tf_scene_header;

#endif
