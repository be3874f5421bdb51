// The tablet's camera for a consultation's photo: a live view (getUserMedia) and a shutter button. When the
// browser cannot or may not use the camera (permission refused, no camera, or a page not opened over https
// or on this machine, where browsers offer no getUserMedia), the caller falls back to the file input's own
// capture (<input type=file capture>: the tablet's camera app) or a file. Uses App from app.js.
(() => {
"use strict";

const h = (...a) => App.h(...a);
const JPEG_QUALITY = 0.95;

/** Whether this page may ask for the camera at all (a secure context with mediaDevices). */
function available() {
  return Boolean(window.isSecureContext && navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
}

/** Why the camera could not be used, in the artist's words. */
function why(ex) {
  if (!available()) return "This page cannot use the camera here (it needs https or this machine)";
  switch (ex && ex.name) {
    case "NotAllowedError": case "SecurityError": return "The camera was not allowed";
    case "NotFoundError": case "OverconstrainedError": return "No camera was found";
    case "NotReadableError": case "AbortError": return "The camera is in use by another app";
    default: return "The camera could not be started";
  }
}

/**
 * The camera's controls: "Use the camera", then the live view with "Take the photo" and "Cancel".
 * onPhoto(blob) gets the frame as a JPEG at the camera's own resolution; onFallback(message) is called when
 * the camera cannot be used. Returns { node, close }; the camera is released on close, after the shot and
 * when the page's view changes.
 */
function controls(onPhoto, onFallback) {
  const video = h("video", { id: "camera-video", class: "camera-video", playsinline: true, muted: true,
    "aria-label": "the camera's live view" });
  const shoot = h("button", { type: "button", id: "camera-shoot", text: "Take the photo" });
  const cancel = h("button", { type: "button", id: "camera-cancel", class: "secondary", text: "Cancel" });
  // the framing guide: the whole head (hair and chin) inside the oval, so the photo holds the scalp at a
  // usable scale (the analysis needs the irises and the head's outline); drawn over the view, not in the photo
  const guide = h("div", { class: "camera-guide", id: "camera-guide", "aria-hidden": "true" });
  const hint = h("p", { class: "camera-hint", id: "camera-hint",
    text: "The whole head inside the oval, eyes level with the tablet, the hairline uncovered." });
  const live = h("div", { class: "camera", id: "camera-live", hidden: true },
    h("div", { class: "camera-frame" }, video, guide), hint,
    h("div", { class: "camera-buttons" }, shoot, cancel));
  const start = h("button", { type: "button", id: "camera-start", text: "Use the camera", hidden: !available() });
  let stream = null;
  const close = () => {
    if (stream) stream.getTracks().forEach((t) => t.stop());
    stream = null; video.srcObject = null; delete live.dataset.ready;
    live.hidden = true; start.hidden = !available();
  };
  start.addEventListener("click", async () => {
    try {
      if (!available()) throw new Error("unavailable");
      stream = await navigator.mediaDevices.getUserMedia({ audio: false, video: {
        facingMode: { ideal: "environment" }, width: { ideal: 4032 }, height: { ideal: 3024 } } });
    } catch (ex) { close(); onFallback(why(ex)); return; }
    video.srcObject = stream; live.hidden = false; start.hidden = true;
    window.addEventListener("hashchange", close, { once: true });
    await video.play().catch(() => {});
    if (!video.videoWidth) await new Promise((ok) => video.addEventListener("loadeddata", ok, { once: true }));
    live.dataset.ready = "1";
    shoot.focus();
  });
  shoot.addEventListener("click", async () => {
    if (!stream || !video.videoWidth) return;
    const c = document.createElement("canvas");
    c.width = video.videoWidth; c.height = video.videoHeight;
    c.getContext("2d").drawImage(video, 0, 0);
    const blob = await new Promise((ok) => c.toBlob(ok, "image/jpeg", JPEG_QUALITY));
    close();
    if (blob) onPhoto(blob); else onFallback("The camera gave no picture");
  });
  cancel.addEventListener("click", close);
  return { node: h("div", { class: "camera-block" }, start, live), close };
}

window.SMPCamera = { available, controls };
})();
