// The signature pad of the portal's sign page: draw with a finger, a pen or the mouse
// (pointer events), "Clear" starts again, and on submit the drawing goes into the hidden
// `signature` field as a PNG data URL. An empty pad sends nothing (the server refuses it).
// Keyboard users write their typed name into the pad with the "Sign with my typed name"
// button. No library, no network.
(function () {
  "use strict";
  var canvas = document.getElementById("signature-pad");
  var form = document.getElementById("sign-form");
  if (!canvas || !form) return;
  var field = form.querySelector("input[name=signature]");
  var nameInput = form.querySelector("input[name=signed_name]");
  var ctx = canvas.getContext("2d");
  var drawing = false;
  var drawn = false;
  var last = null;

  canvas.style.touchAction = "none";
  ctx.lineWidth = 3;
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  ctx.strokeStyle = "#111";

  function point(event) {
    var box = canvas.getBoundingClientRect();
    return {
      x: (event.clientX - box.left) * (canvas.width / box.width),
      y: (event.clientY - box.top) * (canvas.height / box.height),
    };
  }

  canvas.addEventListener("pointerdown", function (event) {
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    drawing = true;
    last = point(event);
    ctx.beginPath();
    ctx.arc(last.x, last.y, ctx.lineWidth / 2, 0, Math.PI * 2);
    ctx.fillStyle = ctx.strokeStyle;
    ctx.fill();
    drawn = true;
  });
  canvas.addEventListener("pointermove", function (event) {
    if (!drawing) return;
    event.preventDefault();
    var next = point(event);
    ctx.beginPath();
    ctx.moveTo(last.x, last.y);
    ctx.lineTo(next.x, next.y);
    ctx.stroke();
    last = next;
    drawn = true;
  });
  function stop() {
    drawing = false;
    last = null;
  }
  canvas.addEventListener("pointerup", stop);
  canvas.addEventListener("pointercancel", stop);
  canvas.addEventListener("pointerleave", stop);

  function clear() {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    drawn = false;
    field.value = "";
  }
  document.getElementById("signature-clear").addEventListener("click", clear);

  var typed = document.getElementById("signature-typed");
  if (typed) {
    typed.addEventListener("click", function () {
      var name = (nameInput && nameInput.value.trim()) || "";
      if (!name) {
        nameInput.focus();
        return;
      }
      clear();
      ctx.fillStyle = "#111";
      ctx.font = "italic 56px serif";
      ctx.textBaseline = "middle";
      ctx.fillText(name, 24, canvas.height / 2, canvas.width - 48);
      drawn = true;
    });
  }

  form.addEventListener("submit", function () {
    field.value = drawn ? canvas.toDataURL("image/png") : "";
  });
  // The pad answers from here on (a test waits for this before it draws).
  form.dataset.pad = "ready";
})();
