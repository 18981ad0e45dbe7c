package dev.edgekit.app

import kotlin.math.atan2
import kotlin.math.ceil
import kotlin.math.cos
import kotlin.math.exp
import kotlin.math.floor
import kotlin.math.max
import kotlin.math.min
import kotlin.math.sin
import kotlin.math.sqrt

/** A rotated rectangle: centre and size as fractions of the frame, rotation in radians (clockwise on screen). */
data class Region(val xCenter: Double, val yCenter: Double, val width: Double, val height: Double, val rotation: Double) {
    fun toList(): List<Double> = listOf(xCenter, yCenter, width, height, rotation)
}

/** A point as fractions of the frame (or of a region's crop). */
data class Point(val x: Double, val y: Double)

/** The detector's best anchor: score, box (xMin, yMin, xMax, yMax) and alignment keypoints, in frame fractions. */
data class Detection(val anchor: Int, val score: Double, val box: List<Double>, val keypoints: List<Point>)

/**
 * The BlazePose person detector's math, shared by pose (two stages: detector -> landmarks) and body
 * segmentation (is anyone there?), written as edgekit's golden step writes it (pose_two_stage.py)
 * and in the same order, so the phone feeds the models the values edgekit computed: SSD anchors,
 * the best detection and the best score, MediaPipe's alignment-point region (turned upright), a
 * rotated crop with bilinear sampling (zero outside the frame), and points mapped back onto the frame.
 */
object TwoStage {
    fun sigmoid(v: Double): Double = if (v >= 0) 1.0 / (1.0 + exp(-v)) else exp(v) / (1.0 + exp(v))

    /** Anchor centres (x, y as detector-input fractions) in the detector's output order, flattened. */
    fun ssdAnchors(): DoubleArray {
        val centres = ArrayList<Double>()
        val strides = DetectorSpec.STRIDES
        var layer = 0
        while (layer < strides.size) {
            val stride = strides[layer]
            var same = 0 // consecutive layers of one stride share a feature map: their anchors interleave per cell
            while (layer < strides.size && strides[layer] == stride) {
                same++
                layer++
            }
            val cells = ceil(DetectorSpec.INPUT_SIZE.toDouble() / stride).toInt()
            for (row in 0 until cells) {
                for (col in 0 until cells) {
                    repeat(same * DetectorSpec.ANCHORS_PER_LAYER) {
                        centres.add((col + 0.5) / cells)
                        centres.add((row + 0.5) / cells)
                    }
                }
            }
        }
        return centres.toDoubleArray()
    }

    /** The square around the whole frame (its long side), unrotated: what the detector sees. */
    fun letterboxRegion(width: Int, height: Int): Region {
        val side = max(width, height).toDouble()
        return Region(0.5, 0.5, side / width, side / height, 0.0)
    }

    /** Points given as fractions of the region's crop -> fractions of the frame. */
    fun project(points: List<Point>, region: Region, width: Int, height: Int): List<Point> {
        val c = cos(region.rotation)
        val s = sin(region.rotation)
        val widthPx = region.width * width
        val heightPx = region.height * height
        val cx = region.xCenter * width
        val cy = region.yCenter * height
        return points.map { (u, v) ->
            val a = (u - 0.5) * widthPx
            val b = (v - 0.5) * heightPx
            Point((cx + a * c - b * s) / width, (cy + a * s + b * c) / height)
        }
    }

    /**
     * The detector's outputs as rows of [DetectorSpec.VALUES] per anchor, the score logit first: one
     * output already is; MediaPipe's pose_detection.tflite gives box and keypoints ([1, anchors, 12])
     * and the score ([1, anchors, 1]) apart, and they are put side by side, as the golden step does.
     */
    fun detectorRows(outputs: List<FloatArray>): FloatArray {
        if (outputs.size == 1) return outputs[0]
        require(outputs.size == 2) { "the detector has ${outputs.size} outputs; one or two are read" }
        val (scores, boxes) = if (outputs[0].size < outputs[1].size) outputs[0] to outputs[1] else outputs[1] to outputs[0]
        val width = DetectorSpec.VALUES - 1
        require(boxes.size == scores.size * width) { "detector outputs of ${boxes.size} and ${scores.size} values do not pair up" }
        return FloatArray(scores.size * DetectorSpec.VALUES) { i ->
            val anchor = i / DetectorSpec.VALUES
            val k = i % DetectorSpec.VALUES
            if (k == 0) scores[anchor] else boxes[anchor * width + k - 1]
        }
    }

    /** The best anchor's score (clipped logit, then sigmoid): how sure the detector is that someone is there. */
    fun bestScore(raw: FloatArray): Double {
        var best = Double.NEGATIVE_INFINITY
        var i = 0
        while (i < raw.size) {
            best = max(best, min(max(raw[i].toDouble(), -DetectorSpec.SCORE_CLIP), DetectorSpec.SCORE_CLIP))
            i += DetectorSpec.VALUES
        }
        return sigmoid(best)
    }

    /** The highest-scoring anchor (ties: the first), or null when its score is below the minimum. */
    fun decodeBestDetection(raw: FloatArray, anchors: DoubleArray, letterbox: Region, width: Int, height: Int): Detection? {
        val values = DetectorSpec.VALUES
        val count = anchors.size / 2
        require(raw.size >= count * values) { "detector output has ${raw.size} values; $count anchors of $values need ${count * values}" }
        var best = 0
        var bestLogit = Double.NEGATIVE_INFINITY
        for (i in 0 until count) {
            val logit = min(max(raw[i * values].toDouble(), -DetectorSpec.SCORE_CLIP), DetectorSpec.SCORE_CLIP)
            if (logit > bestLogit) {
                bestLogit = logit
                best = i
            }
        }
        val score = sigmoid(bestLogit)
        if (score < DetectorSpec.MIN_SCORE) return null
        val base = best * values
        val size = DetectorSpec.INPUT_SIZE.toDouble()
        val ax = anchors[2 * best]
        val ay = anchors[2 * best + 1]
        val cx = raw[base + 1] / size + ax
        val cy = raw[base + 2] / size + ay
        val w = raw[base + 3] / size
        val h = raw[base + 4] / size
        val corners = project(listOf(Point(cx - w / 2, cy - h / 2), Point(cx + w / 2, cy + h / 2)), letterbox, width, height)
        val points = List(DetectorSpec.KEYPOINTS) { k ->
            Point(raw[base + 5 + 2 * k] / size + ax, raw[base + 6 + 2 * k] / size + ay)
        }
        return Detection(best, score, listOf(corners[0].x, corners[0].y, corners[1].x, corners[1].y),
            project(points, letterbox, width, height))
    }

    /** Centred on [centre], side 2 x the pixel distance to [scalePoint] x [scale], turned so centre -> scale point is up. */
    fun alignmentRegion(centre: Point, scalePoint: Point, width: Int, height: Int, scale: Double): Region {
        val x0 = centre.x * width
        val y0 = centre.y * height
        val x1 = scalePoint.x * width
        val y1 = scalePoint.y * height
        val side = sqrt((x1 - x0) * (x1 - x0) + (y1 - y0) * (y1 - y0)) * 2.0 * scale
        val angle = Math.PI / 2 - atan2(-(y1 - y0), x1 - x0)
        val rotation = angle - 2 * Math.PI * floor((angle + Math.PI) / (2 * Math.PI))
        return Region(centre.x, centre.y, side / width, side / height, rotation)
    }

    /**
     * The region of interleaved RGB bytes ([width] x [height]) resampled to [outWidth] x [outHeight] and
     * normalised to low + p / 255 * (high - low). Output pixel (u, v) samples the frame at region point
     * ((u + 0.5) / outWidth, (v + 0.5) / outHeight), bilinearly between pixel centres; outside is 0.
     */
    fun crop(rgb: IntArray, width: Int, height: Int, region: Region, outWidth: Int, outHeight: Int,
             low: Double, high: Double): FloatArray {
        val c = cos(region.rotation)
        val s = sin(region.rotation)
        val widthPx = region.width * width
        val heightPx = region.height * height
        val cx = region.xCenter * width
        val cy = region.yCenter * height
        val out = FloatArray(outWidth * outHeight * 3)
        fun pixel(x: Int, y: Int, channel: Int): Double =
            if (x < 0 || x >= width || y < 0 || y >= height) 0.0 else rgb[(y * width + x) * 3 + channel].toDouble()
        for (v in 0 until outHeight) {
            val b = ((v + 0.5) / outHeight - 0.5) * heightPx
            for (u in 0 until outWidth) {
                val a = ((u + 0.5) / outWidth - 0.5) * widthPx
                val fx = (cx + a * c - b * s) - 0.5
                val fy = (cy + a * s + b * c) - 0.5
                val x0 = floor(fx)
                val y0 = floor(fy)
                val tx = fx - x0
                val ty = fy - y0
                val xi = x0.toInt()
                val yi = y0.toInt()
                for (channel in 0 until 3) {
                    val p00 = pixel(xi, yi, channel)
                    val p01 = pixel(xi + 1, yi, channel)
                    val p10 = pixel(xi, yi + 1, channel)
                    val p11 = pixel(xi + 1, yi + 1, channel)
                    val value = (1 - ty) * ((1 - tx) * p00 + tx * p01) + ty * ((1 - tx) * p10 + tx * p11)
                    out[(v * outWidth + u) * 3 + channel] = (low + value / 255.0 * (high - low)).toFloat()
                }
            }
        }
        return out
    }
}
