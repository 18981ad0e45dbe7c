// Body segmentation app: blur the background, tint the person, or cut them out.
import "./style.css";
import { summarizeMask } from "./mask-summary";
import { MaskPipeline, type MaskResult } from "./pipeline";
import { startVisionApp } from "./shell";

const effect = document.getElementById("effect") as HTMLSelectElement;
// Scratch canvases: the mask as an alpha image at mask size, and the person layer at frame size.
const maskCanvas = document.createElement("canvas");
const layer = document.createElement("canvas");

function paintMask(probability: Float32Array, result: MaskResult, colour: [number, number, number],
                   opacity: number): void {
  maskCanvas.width = result.width;
  maskCanvas.height = result.height;
  const context = maskCanvas.getContext("2d")!;
  const image = context.createImageData(result.width, result.height);
  for (let p = 0; p < probability.length; p++) {
    image.data[p * 4] = colour[0];
    image.data[p * 4 + 1] = colour[1];
    image.data[p * 4 + 2] = colour[2];
    image.data[p * 4 + 3] = Math.round(Math.min(1, Math.max(0, probability[p])) * 255 * opacity);
  }
  context.putImageData(image, 0, 0);
}

function drawMask(canvas: HTMLCanvasElement, frame: CanvasImageSource, result: MaskResult): void {
  const context = canvas.getContext("2d")!;
  const { width, height } = canvas;
  context.save();
  context.clearRect(0, 0, width, height);
  const probability = result.probability;
  if (!probability) {  // nobody in the frame: the frame as it is, no effect
    context.drawImage(frame, 0, 0, width, height);
    context.restore();
    return;
  }
  if (effect.value === "overlay") {
    context.drawImage(frame, 0, 0, width, height);
    paintMask(probability, result, [255, 40, 120], 0.55);
    context.drawImage(maskCanvas, 0, 0, width, height);
    context.restore();
    return;
  }
  // The person, cut out by the mask (scaled to the frame with smoothing: soft edges).
  layer.width = width;
  layer.height = height;
  const person = layer.getContext("2d")!;
  person.drawImage(frame, 0, 0, width, height);
  paintMask(probability, result, [0, 0, 0], 1);
  person.globalCompositeOperation = "destination-in";
  person.drawImage(maskCanvas, 0, 0, width, height);
  person.globalCompositeOperation = "source-over";
  if (effect.value === "blur") {
    const radius = Math.max(4, Math.round(Math.max(width, height) / 48));
    context.filter = `blur(${radius}px)`;
    // Drawn past the edges so the blur does not pull in transparent pixels there.
    context.drawImage(frame, -2 * radius, -2 * radius, width + 4 * radius, height + 4 * radius);
    context.filter = "none";
  } else {
    context.fillStyle = "#10b981";
    context.fillRect(0, 0, width, height);
  }
  context.drawImage(layer, 0, 0);
  context.restore();
}

startVisionApp<MaskResult>((runner) => {
  const ready = MaskPipeline.create(runner);
  return {
    run: async (frame) => (await ready).run(frame),
    draw: drawMask,
    describe: (result) => {
      if (!result.probability) return `no person (detector score ${result.personScore.toFixed(2)})`;
      const share = summarizeMask(result.probability, result.height, result.width).foreground;
      return `person covers ${(share * 100).toFixed(1)}% of the frame (detector score ${result.personScore.toFixed(2)})`;
    },
    toJSON: (result) => ({ height: result.height, width: result.width, person_score: result.personScore,
      present: result.present, probability: result.probability ? Array.from(result.probability) : null }),
  };
});
