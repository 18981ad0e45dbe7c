package dev.edgekit.app

import android.Manifest
import android.content.pm.PackageManager
import android.os.Bundle
import android.os.SystemClock
import android.view.View
import android.widget.AdapterView
import android.widget.ArrayAdapter
import android.widget.Spinner
import android.widget.TextView
import androidx.activity.result.contract.ActivityResultContracts
import androidx.appcompat.app.AppCompatActivity
import androidx.camera.core.CameraSelector
import androidx.camera.core.ImageAnalysis
import androidx.camera.core.ImageProxy
import androidx.camera.core.Preview
import androidx.camera.lifecycle.ProcessCameraProvider
import androidx.camera.view.PreviewView
import androidx.core.content.ContextCompat
import java.util.concurrent.ExecutorService
import java.util.concurrent.Executors

/** Camera preview, the model on every analysed frame, and the result drawn over the preview. */
class MainActivity : AppCompatActivity() {
    private lateinit var previewView: PreviewView
    private lateinit var overlay: OverlayView
    private lateinit var status: TextView

    // The model is created, used and closed on this one thread only.
    private val analysisExecutor: ExecutorService = Executors.newSingleThreadExecutor()
    private var pipeline: VisionPipeline? = null

    private val cameraPermission =
        registerForActivityResult(ActivityResultContracts.RequestPermission()) { granted ->
            if (granted) startCamera() else status.text = getString(R.string.camera_needed)
        }

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        setContentView(R.layout.activity_main)
        previewView = findViewById(R.id.preview)
        overlay = findViewById(R.id.overlay)
        status = findViewById(R.id.status)
        setUpAcceleratorChoice(findViewById(R.id.accelerator))
        if (ContextCompat.checkSelfPermission(this, Manifest.permission.CAMERA) == PackageManager.PERMISSION_GRANTED) {
            startCamera()
        } else {
            cameraPermission.launch(Manifest.permission.CAMERA)
        }
    }

    override fun onDestroy() {
        super.onDestroy()
        analysisExecutor.execute { pipeline?.close() }
        analysisExecutor.shutdown()
    }

    private fun setUpAcceleratorChoice(spinner: Spinner) {
        spinner.adapter = ArrayAdapter.createFromResource(this, R.array.accelerators,
            android.R.layout.simple_spinner_dropdown_item)
        spinner.onItemSelectedListener = object : AdapterView.OnItemSelectedListener {
            override fun onItemSelected(parent: AdapterView<*>?, view: View?, position: Int, id: Long) {
                useBackend(Backend.entries[position])
            }

            override fun onNothingSelected(parent: AdapterView<*>?) = Unit
        }
    }

    private fun useBackend(requested: Backend) {
        analysisExecutor.execute {
            pipeline?.close()
            val runner = ModelRunner.open(this, requested)
            pipeline = VisionPipeline(runner)
            val note = runner.fallbackReason?.let { " ($it)" } ?: ""
            runOnUiThread { status.text = "${ModelContract.MODEL_NAME} on ${runner.backend}$note" }
        }
    }

    private fun startCamera() {
        val providerFuture = ProcessCameraProvider.getInstance(this)
        providerFuture.addListener({
            val provider = providerFuture.get()
            val preview = Preview.Builder().build().also { it.setSurfaceProvider(previewView.surfaceProvider) }
            val analysis = ImageAnalysis.Builder()
                .setBackpressureStrategy(ImageAnalysis.STRATEGY_KEEP_ONLY_LATEST)
                .setOutputImageFormat(ImageAnalysis.OUTPUT_IMAGE_FORMAT_RGBA_8888)
                .build()
            analysis.setAnalyzer(analysisExecutor) { image -> analyze(image) }
            provider.unbindAll()
            provider.bindToLifecycle(this, CameraSelector.DEFAULT_BACK_CAMERA, preview, analysis)
        }, ContextCompat.getMainExecutor(this))
    }

    private fun analyze(image: ImageProxy) {
        val frame = image.use { ImagePreprocessor.upright(it.toBitmap(), it.imageInfo.rotationDegrees) }
        val current = pipeline ?: return
        val crop = ImagePreprocessor.centerCrop(frame.width, frame.height)
        val started = SystemClock.elapsedRealtime()
        val result = current.process(ImagePreprocessor.modelPixels(frame, crop))
        val millis = SystemClock.elapsedRealtime() - started
        val mapping = FrameMapping(frame.width, frame.height, crop)
        overlay.post {
            overlay.show(result, mapping)
            status.text = "${ModelContract.MODEL_NAME} on ${current.backend}: $millis ms"
        }
    }
}
