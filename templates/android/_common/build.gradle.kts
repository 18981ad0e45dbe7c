// Plugins are declared here once (versions in gradle/libs.versions.toml) and applied in :app.
plugins {
    alias(libs.plugins.android.application) apply false
    alias(libs.plugins.kotlin.android) apply false
}
