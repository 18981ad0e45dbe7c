package dev.edgekit.app

import android.content.Context
import android.util.Log
import androidx.test.platform.app.InstrumentationRegistry
import org.json.JSONArray
import org.json.JSONObject

/**
 * The golden files edgekit wrote at scaffold time (androidTest assets, folder "golden"): the fixed
 * input and expected.json with edgekit's reference outputs and the tolerances to hold them to.
 */
object GoldenFiles {
    /** The app under test (its assets hold the model). */
    val appContext: Context get() = InstrumentationRegistry.getInstrumentation().targetContext

    private val testContext: Context get() = InstrumentationRegistry.getInstrumentation().context

    /** The bytes of golden/[name]. */
    fun bytes(name: String): ByteArray = testContext.assets.open("golden/$name").use { it.readBytes() }

    /** golden/expected.json. */
    fun expected(): JSONObject = JSONObject(String(bytes("expected.json"), Charsets.UTF_8))

    /** A JSON array of numbers as doubles. */
    fun doubles(array: JSONArray): DoubleArray = DoubleArray(array.length()) { array.getDouble(it) }

    /** A JSON array of integers. */
    fun ints(array: JSONArray): IntArray = IntArray(array.length()) { array.getInt(it) }

    /** Runs [block] [runs] times after one warm-up and logs the median, parsed by edgekit's benchmarks. */
    fun reportLatency(app: String, backend: Backend, runs: Int = 20, block: () -> Unit) {
        block()
        val samples = List(runs) {
            val started = System.nanoTime()
            block()
            (System.nanoTime() - started) / 1e6
        }.sorted()
        val median = if (runs % 2 == 1) samples[runs / 2] else (samples[runs / 2 - 1] + samples[runs / 2]) / 2
        Log.i("EDGEKIT_LATENCY", "{\"app\":\"$app\",\"backend\":\"${backend.name.lowercase()}\",\"median_ms\":$median,\"runs\":$runs}")
    }
}
