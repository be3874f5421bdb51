// Draws a stage's dots in the browser during a drag, as the server's preview does
// (smpstudio/render/render.py, composite; smpstudio/web/consult_dots.py):
// every splat is a Gaussian of covariance C (px^2) and peak opacity amp (linear RGB); a pixel gets the
// splat's mass amp * 2 pi sqrt(det C) spread by the Gaussian convolved with the pixel's box (C + I/12,
// point-sampled at pixel centres and renormalised over its 3.5-sigma footprint, so no mass is lost);
// the scene (sRGB, 8 bit) is multiplied in linear light by the transmittance max(0, 1 - opacity) and
// encoded back to sRGB (IEC 61966-2-1) through the same 65536-node table as the server.
const SMPDots = (() => {
  "use strict";
  const FIELDS = 8, TRUNCATE = 3.5, BOX_VAR = 1 / 12, ENC_NODES = 1 << 16;
  const DEC = new Float32Array(256);
  for (let i = 0; i < 256; i++) { const v = i / 255; DEC[i] = v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }
  const ENC = new Uint8Array(ENC_NODES);
  for (let i = 0; i < ENC_NODES; i++) {
    const v = i / (ENC_NODES - 1), e = v <= 0.0031308 ? v * 12.92 : 1.055 * Math.pow(v, 1 / 2.4) - 0.055;
    ENC[i] = Math.min(255, Math.max(0, Math.round(e * 255)));
  }

  // Pixel-mean opacity (w * h * 3) of the splats (a Float32Array of FIELDS per splat) and the box they touch.
  function opacity(splats, w, h) {
    const op = new Float32Array(w * h * 3), n = splats.length / FIELDS;
    let bx0 = w, by0 = h, bx1 = 0, by1 = 0;
    for (let i = 0; i < n; i++) {
      const o = i * FIELDS, x = splats[o], y = splats[o + 1], cxx = splats[o + 2], cxy = splats[o + 3], cyy = splats[o + 4];
      const det0 = cxx * cyy - cxy * cxy;
      if (!(cxx > 0 && cyy > 0 && det0 > 0)) continue;
      const a = cxx + BOX_VAR, c = cyy + BOX_VAR, det = a * c - cxy * cxy;
      const ia = c / det, ib = -cxy / det, ic = a / det, sx = Math.sqrt(a), sy = Math.sqrt(c);
      const x0 = Math.floor(x - TRUNCATE * sx), x1 = Math.floor(x + TRUNCATE * sx) + 1;
      const y0 = Math.floor(y - TRUNCATE * sy), y1 = Math.floor(y + TRUNCATE * sy) + 1;
      if (x1 <= 0 || y1 <= 0 || x0 >= w || y0 >= h) continue;
      let sum = 0;
      for (let py = y0; py < y1; py++) {
        const dy = py + 0.5 - y;
        for (let px = x0; px < x1; px++) {
          const dx = px + 0.5 - x, q = ia * dx * dx + 2 * ib * dx * dy + ic * dy * dy;
          if (q <= TRUNCATE * TRUNCATE) sum += Math.exp(-0.5 * q);
        }
      }
      if (!(sum > 0)) continue;
      const k = 2 * Math.PI * Math.sqrt(det0) / sum, r = splats[o + 5] * k, g = splats[o + 6] * k, b = splats[o + 7] * k;
      const cx0 = Math.max(x0, 0), cx1 = Math.min(x1, w), cy0 = Math.max(y0, 0), cy1 = Math.min(y1, h);
      for (let py = cy0; py < cy1; py++) {
        const dy = py + 0.5 - y;
        for (let px = cx0; px < cx1; px++) {
          const dx = px + 0.5 - x, q = ia * dx * dx + 2 * ib * dx * dy + ic * dy * dy;
          if (q > TRUNCATE * TRUNCATE) continue;
          const e = Math.exp(-0.5 * q), p = 3 * (py * w + px);
          op[p] += r * e; op[p + 1] += g * e; op[p + 2] += b * e;
        }
      }
      bx0 = Math.min(bx0, cx0); by0 = Math.min(by0, cy0); bx1 = Math.max(bx1, cx1); by1 = Math.max(by1, cy1);
    }
    return { op, box: [bx0, by0, bx1, by1] };
  }

  // The scene (ImageData, RGBA) with the splats composited in linear light: a new ImageData.
  function compose(base, splats) {
    const w = base.width, h = base.height, out = new ImageData(new Uint8ClampedArray(base.data), w, h);
    const { op, box } = opacity(splats, w, h), d = out.data, top = ENC_NODES - 1;
    for (let py = box[1]; py < box[3]; py++) {
      for (let px = box[0]; px < box[2]; px++) {
        const p = py * w + px;
        for (let ch = 0; ch < 3; ch++) {
          const t = 1 - op[3 * p + ch];
          if (t === 1) continue;
          const v = Math.min(1, DEC[d[4 * p + ch]] * Math.max(t, 0));
          d[4 * p + ch] = ENC[Math.floor(v * top + 0.5)];
        }
      }
    }
    return out;
  }

  // Draw ``splats`` (Float32Array) over ``base`` (ImageData) into ``canvas`` (sized to the scene).
  function draw(canvas, base, splats) {
    canvas.width = base.width; canvas.height = base.height;
    canvas.getContext("2d").putImageData(compose(base, splats), 0, 0);
  }

  // An ImageData of an image Blob (the scene PNG).
  async function imageData(blob) {
    const bmp = await createImageBitmap(blob, { colorSpaceConversion: "none", premultiplyAlpha: "none" });
    const cv = new OffscreenCanvas(bmp.width, bmp.height), g = cv.getContext("2d");
    g.drawImage(bmp, 0, 0);
    return g.getImageData(0, 0, bmp.width, bmp.height);
  }

  return { FIELDS, opacity, compose, draw, imageData };
})();
if (typeof window !== "undefined") window.SMPDots = SMPDots;
