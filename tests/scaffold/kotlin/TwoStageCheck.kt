// Runs the generated app's TwoStage.kt (plain Kotlin, no Android classes) on inputs edgekit's test
// wrote into the folder given as the first argument, and writes what it computes back there:
// the detector input, the landmark input (float32, little-endian) and the decoded numbers as text.
// Kept to what Kotlin 1.3 (Debian's kotlinc) compiles: no trailing commas.
package dev.edgekit.app

import java.io.File
import java.nio.ByteBuffer
import java.nio.ByteOrder

private fun readFloats(file: File): FloatArray {
    val buffer = ByteBuffer.wrap(file.readBytes()).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer()
    return FloatArray(buffer.remaining()) { buffer.get(it) }
}

private fun writeFloats(file: File, values: FloatArray) {
    val buffer = ByteBuffer.allocate(values.size * 4).order(ByteOrder.LITTLE_ENDIAN)
    values.forEach { buffer.putFloat(it) }
    file.writeBytes(buffer.array())
}

fun main(args: Array<String>) {
    val dir = File(args[0])
    val (width, height) = File(dir, "size.txt").readText().trim().split(" ").map { it.toInt() }
    val rgb = File(dir, "rgb.bin").readBytes().map { it.toInt() and 0xFF }.toIntArray()
    val letterbox = TwoStage.letterboxRegion(width, height)
    val size = DetectorSpec.INPUT_SIZE
    writeFloats(File(dir, "kt_detector_input.bin"), TwoStage.crop(rgb, width, height, letterbox, size, size,
        DetectorSpec.NORMALIZE_LOW, DetectorSpec.NORMALIZE_HIGH))
    // MediaPipe's detector gives box and keypoints, and scores, as two outputs: rows as the app makes them.
    val rows = TwoStage.detectorRows(listOf(readFloats(File(dir, "detector_boxes.bin")),
        readFloats(File(dir, "detector_scores.bin"))))
    val detection = TwoStage.decodeBestDetection(rows, TwoStage.ssdAnchors(), letterbox, width, height)!!
    val region = TwoStage.alignmentRegion(detection.keypoints[0], detection.keypoints[1], width, height, PoseStages.REGION_SCALE)
    writeFloats(File(dir, "kt_landmark_input.bin"), TwoStage.crop(rgb, width, height, region, 256, 256, 0.0, 1.0))
    val raw = readFloats(File(dir, "landmark_output.bin"))
    val points = TwoStage.project(List(PoseStages.LANDMARK_COUNT) { Point(raw[it * 5] / 256.0, raw[it * 5 + 1] / 256.0) },
        region, width, height)
    val next = TwoStage.alignmentRegion(points[PoseStages.AUX_HIPS], points[PoseStages.AUX_SCALE], width, height,
        PoseStages.REGION_SCALE)
    File(dir, "kt.txt").writeText(listOf(
        "anchor ${detection.anchor}",
        "score ${detection.score}",
        "best_score ${TwoStage.bestScore(rows)}",
        "box ${detection.box.joinToString(" ")}",
        "keypoints ${detection.keypoints.joinToString(" ") { "${it.x} ${it.y}" }}",
        "region ${region.toList().joinToString(" ")}",
        "points ${points.joinToString(" ") { "${it.x} ${it.y}" }}",
        "next ${next.toList().joinToString(" ")}"
    ).joinToString("\n"))
}
