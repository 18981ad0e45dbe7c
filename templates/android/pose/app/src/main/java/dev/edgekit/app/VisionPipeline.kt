package dev.edgekit.app

import android.content.Context
import android.graphics.Bitmap
import android.graphics.Rect
import kotlin.math.exp

/** One body keypoint: x, y in 0..1 of the model input (left to right, top to bottom), score in 0..1. */
data class Keypoint(val x: Float, val y: Float, val score: Float)

/** The keypoints of one frame. */
typealias FrameResult = List<Keypoint>

/**
 * One frame of the two-stage pipeline: how its region was found ("detect": by the detector,
 * "track": from the last frame's landmarks), the landmark output, and the next frame's region.
 * A plain class: it holds the raw output array, which a data class would compare by identity.
 */
class PoseFrame(
    val stage: String,
    val detection: Detection?,
    val region: Region?,
    val raw: FloatArray,
    val keypoints: FrameResult,
    val presence: Float,
    val nextRegion: Region?,
)

/**
 * Image -> model -> keypoints, decoded as the binding says (layout, coordinates, score activation).
 *
 * With a [detector] (BlazePose landmark models: [PoseStages.TWO_STAGE]; build it with [open]) the
 * frame goes through two stages: the detector finds the person, the landmark model sees the
 * rotated region around them, and the next frame reuses the region its auxiliary landmarks give
 * while the pose-presence score stays high. Without one the model sees the whole frame.
 */
class VisionPipeline(private val runner: ModelRunner, private val detector: PersonDetector? = null) : AutoCloseable {
    val backend: Backend get() = runner.backend

    /** The last two-stage frame (null before one, and without a detector). */
    var lastFrame: PoseFrame? = null
        private set

    private var tracked: Region? = null
    private val anchors: DoubleArray by lazy { TwoStage.ssdAnchors() }

    /**
     * The part of a camera frame the pipeline sees, and the frame its keypoints are relative to: the
     * whole frame with a detector (it finds the person wherever they stand), else the centred crop
     * with the model's aspect ratio.
     */
    fun frameRegion(frameWidth: Int, frameHeight: Int): Rect =
        if (detector != null) Rect(0, 0, frameWidth, frameHeight) else ImagePreprocessor.centerCrop(frameWidth, frameHeight)

    /** Keypoints, in 0..1 of [region], for an upright camera [frame]. */
    fun processFrame(frame: Bitmap, region: Rect): FrameResult {
        if (detector == null) return process(ImagePreprocessor.modelPixels(frame, region))
        val argb = IntArray(frame.width * frame.height)
        frame.getPixels(argb, 0, frame.width, 0, 0, frame.width, frame.height)
        val result = twoStage(ImagePreprocessor.rgbBytes(argb), frame.width, frame.height, detector)
        lastFrame = result
        return result.keypoints
    }

    /** Keypoints for ARGB pixels already at the model's input size. */
    fun process(argb: IntArray): FrameResult = processRgb(ImagePreprocessor.rgbBytes(argb))

    /** Keypoints for interleaved RGB bytes at the model's input size (what the parity test feeds). */
    fun processRgb(rgb: IntArray): FrameResult {
        if (detector == null) {
            ImagePreprocessor.write(runner, rgb)
            runner.run()
            return decode(runner.readFloat(Binding.KEYPOINTS))
        }
        val frame = twoStage(rgb, Binding.IMAGE_WIDTH, Binding.IMAGE_HEIGHT, detector)
        lastFrame = frame
        return frame.keypoints
    }

    /** How many keypoints the frame has, or "no person" when the detector found nobody. */
    fun describe(result: FrameResult): String =
        if (result.isEmpty()) "no person" else "${result.count { it.score >= 0.5f }} of ${result.size} keypoints"

    /** Forget the tracked person: the next frame runs the detector. */
    fun reset() {
        tracked = null
    }

    override fun close() {
        runner.close()
        detector?.close()
    }

    private fun twoStage(rgb: IntArray, width: Int, height: Int, detector: PersonDetector): PoseFrame {
        val stage = if (tracked == null) "detect" else "track"
        var detection: Detection? = null
        val region = tracked ?: run {
            val letterbox = TwoStage.letterboxRegion(width, height)
            val size = DetectorSpec.INPUT_SIZE
            val input = TwoStage.crop(rgb, width, height, letterbox, size, size,
                DetectorSpec.NORMALIZE_LOW, DetectorSpec.NORMALIZE_HIGH)
            detection = TwoStage.decodeBestDetection(detector.run(input), anchors, letterbox, width, height)
            val found = detection ?: return PoseFrame(stage, null, null, FloatArray(0), emptyList(), 0f, null)
            TwoStage.alignmentRegion(found.keypoints[0], found.keypoints[1], width, height, PoseStages.REGION_SCALE)
        }
        val input = TwoStage.crop(rgb, width, height, region, Binding.IMAGE_WIDTH, Binding.IMAGE_HEIGHT,
            Binding.NORMALIZE_LOW.toDouble(), Binding.NORMALIZE_HIGH.toDouble())
        runner.writeFloat(Binding.IMAGE, input)
        runner.run()
        val values = runner.readFloat(Binding.KEYPOINTS)
        val presence = runner.readFloat(ModelContract.OUTPUTS[PoseStages.PRESENCE_OUTPUT])[0]
        val stride = Binding.KEYPOINT_STRIDE
        val crop = List(PoseStages.LANDMARK_COUNT) { i ->
            Point(values[i * stride] / Binding.IMAGE_WIDTH.toDouble(), values[i * stride + 1] / Binding.IMAGE_HEIGHT.toDouble())
        }
        val framed = TwoStage.project(crop, region, width, height)
        val keypoints = List(Binding.KEYPOINT_COUNT) { i ->
            val score = TwoStage.sigmoid(values[i * stride + Binding.KEYPOINT_SCORE].toDouble())
            Keypoint(framed[i].x.toFloat(), framed[i].y.toFloat(), score.toFloat())
        }
        val next = if (presence >= PoseStages.PRESENCE_THRESHOLD) {
            TwoStage.alignmentRegion(framed[PoseStages.AUX_HIPS], framed[PoseStages.AUX_SCALE], width, height,
                PoseStages.REGION_SCALE)
        } else {
            null
        }
        tracked = next
        val raw = values.copyOf(Binding.KEYPOINT_COUNT * stride)
        return PoseFrame(stage, detection, region, raw, keypoints, presence, next)
    }

    companion object {
        /** The pipeline for this app's model: with the person detector when [PoseStages.TWO_STAGE]. */
        fun open(context: Context, runner: ModelRunner): VisionPipeline =
            VisionPipeline(runner, if (PoseStages.TWO_STAGE) PersonDetector.open(context) else null)

        /** The first KEYPOINT_COUNT rows of KEYPOINT_STRIDE values -> normalised keypoints. */
        fun decode(values: FloatArray): FrameResult = List(Binding.KEYPOINT_COUNT) { k ->
            val row = k * Binding.KEYPOINT_STRIDE
            var x = values[row + Binding.KEYPOINT_X]
            var y = values[row + Binding.KEYPOINT_Y]
            if (Binding.KEYPOINT_COORDS == "pixels") {
                x /= Binding.IMAGE_WIDTH
                y /= Binding.IMAGE_HEIGHT
            }
            val raw = values[row + Binding.KEYPOINT_SCORE]
            val score = if (Binding.KEYPOINT_SCORE_ACTIVATION == "sigmoid") 1f / (1f + exp(-raw)) else raw
            Keypoint(x, y, score)
        }
    }
}
