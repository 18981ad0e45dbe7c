// Pose app: keypoints and skeleton over the camera, an image file, or the test image.
import "./style.css";
import { BINDING } from "./contract";
import { PosePipeline, type PoseResult } from "./pipeline";
import { startVisionApp } from "./shell";

const threshold = document.getElementById("threshold") as HTMLInputElement;
const thresholdValue = document.getElementById("threshold-value") as HTMLOutputElement;
threshold.addEventListener("input", () => (thresholdValue.value = Number(threshold.value).toFixed(2)));

function drawPose(canvas: HTMLCanvasElement, frame: CanvasImageSource, result: PoseResult): void {
  const context = canvas.getContext("2d")!;
  const { width, height } = canvas;
  const minScore = Number(threshold.value);
  context.drawImage(frame, 0, 0, width, height);
  const scale = Math.max(width, height) / 256;
  context.lineWidth = 3 * scale;
  context.strokeStyle = "#38f5c8";
  for (const [a, b] of BINDING.keypoints.skeleton) {
    const p = result.keypoints[a];
    const q = result.keypoints[b];
    if (!p || !q || p.score < minScore || q.score < minScore) continue;
    context.beginPath();
    context.moveTo(p.x * width, p.y * height);
    context.lineTo(q.x * width, q.y * height);
    context.stroke();
  }
  context.fillStyle = "#ff3d7f";
  for (const point of result.keypoints) {
    if (point.score < minScore) continue;
    context.beginPath();
    context.arc(point.x * width, point.y * height, 3.5 * scale, 0, 2 * Math.PI);
    context.fill();
  }
}

startVisionApp<PoseResult>((runner) => {
  const pipeline = new PosePipeline(runner);
  return {
    run: (frame) => pipeline.run(frame),
    draw: drawPose,
    describe: (result) => {
      const seen = result.keypoints.filter((p) => p.score >= Number(threshold.value)).length;
      return `${seen} of ${result.keypoints.length} keypoints above the score threshold`;
    },
    toJSON: (result) => ({
      keypoints: result.keypoints.map((p) => [p.x, p.y, p.score]),
      raw: Array.from(result.raw),
    }),
  };
});
