@rem Runs this project's Gradle. Written by edgekit; it needs no gradle-wrapper.jar.
@rem
@rem It reads gradle\wrapper\gradle-wrapper.properties, downloads that Gradle distribution once into
@rem %GRADLE_USER_HOME%\wrapper\dists (default %USERPROFILE%\.gradle) with PowerShell, checks its
@rem sha256 (distributionSha256Sum), unpacks it and runs its bin\gradle.bat with your arguments. The
@rem folder layout is the one Gradle's own wrapper and Android Studio use, so all three share one
@rem download. If gradle\wrapper\gradle-wrapper.jar exists (`gradle wrapper` writes one), that jar
@rem runs instead. Gradle needs a JDK: JAVA_HOME, or java.exe on the PATH.
@if "%DEBUG%"=="" @echo off
setlocal

set "APP_HOME=%~dp0"
if exist "%APP_HOME%gradle\wrapper\gradle-wrapper.jar" goto runJar

where powershell.exe >nul 2>nul
if errorlevel 1 goto noPowerShell

rem PowerShell runs the part of this file after the GRADLEW-POWERSHELL line: it fetches Gradle once
rem and writes where it is to a temporary file, read back here.
set "GRADLEW_SCRIPT=%~f0"
set "GRADLEW_HOME_FILE=%TEMP%\gradlew-home-%RANDOM%%RANDOM%.txt"
set "GRADLEW_GRADLE_HOME="
powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command "$text = [IO.File]::ReadAllText($env:GRADLEW_SCRIPT); Invoke-Expression $text.Substring($text.IndexOf('#GRADLEW-' + 'POWERSHELL'))"
if errorlevel 1 goto failed
set /p GRADLEW_GRADLE_HOME=<"%GRADLEW_HOME_FILE%"
del "%GRADLEW_HOME_FILE%" 2>nul
if not defined GRADLEW_GRADLE_HOME goto failed
if not exist "%GRADLEW_GRADLE_HOME%\bin\gradle.bat" goto noGradle
call "%GRADLEW_GRADLE_HOME%\bin\gradle.bat" %*
exit /b %ERRORLEVEL%

:failed
del "%GRADLEW_HOME_FILE%" 2>nul
exit /b 1

:noGradle
echo gradlew: no bin\gradle.bat in %GRADLEW_GRADLE_HOME% 1>&2
exit /b 1

:runJar
set "JAVA_EXE=java.exe"
if defined JAVA_HOME set "JAVA_EXE=%JAVA_HOME%\bin\java.exe"
"%JAVA_EXE%" %JAVA_OPTS% %GRADLE_OPTS% "-Dorg.gradle.appname=gradlew" -classpath "%APP_HOME%gradle\wrapper\gradle-wrapper.jar" org.gradle.wrapper.GradleWrapperMain %*
exit /b %ERRORLEVEL%

:noPowerShell
echo gradlew: PowerShell (powershell.exe) is needed to download Gradle and was not found; open the project in Android Studio instead 1>&2
exit /b 1

#GRADLEW-POWERSHELL
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
function Fail([string] $message) {
    [Console]::Error.WriteLine("gradlew: $message")
    exit 1
}

$appHome = Split-Path -Parent $env:GRADLEW_SCRIPT
$propertiesFile = Join-Path $appHome 'gradle\wrapper\gradle-wrapper.properties'
if (-not (Test-Path -LiteralPath $propertiesFile)) {
    Fail "$propertiesFile is missing; it names the Gradle distribution to run"
}
$properties = @{}
foreach ($line in [IO.File]::ReadAllLines($propertiesFile)) {
    if ($line -match '^\s*([^#!=:\s][^=:]*?)\s*[=:]\s*(.*)$') {
        $properties[$Matches[1]] = ($Matches[2] -replace '\\(.)', '$1').Trim()
    }
}
function Base-Folder([string] $base) {
    if ($base -eq 'PROJECT') { return $appHome }
    if ($base -and $base -ne 'GRADLE_USER_HOME') {
        Fail "gradle-wrapper.properties: unknown base '$base' (GRADLE_USER_HOME or PROJECT)"
    }
    if ($env:GRADLE_USER_HOME) { return $env:GRADLE_USER_HOME }
    return Join-Path $env:USERPROFILE '.gradle'
}
function Or-Default([string] $value, [string] $default) { if ($value) { $value } else { $default } }

$url = $properties['distributionUrl']
if (-not $url) { Fail "$propertiesFile has no distributionUrl" }
$sha256 = "$($properties['distributionSha256Sum'])".ToLowerInvariant()
$zipName = $url.Substring($url.LastIndexOf('/') + 1)
$distName = $zipName -replace '\.zip$', ''

# Gradle's wrapper names the folder by the URL's MD5 written in base 36 (Java's BigInteger.toString(36)).
$md5 = [Security.Cryptography.MD5]::Create().ComputeHash([Text.Encoding]::UTF8.GetBytes($url))
$digits = [int[]] $md5
$alphabet = '0123456789abcdefghijklmnopqrstuvwxyz'
$hash = ''
while (@($digits | Where-Object { $_ -ne 0 }).Count -gt 0) {
    $remainder = 0
    for ($i = 0; $i -lt $digits.Length; $i++) {
        $value = $remainder * 256 + $digits[$i]
        $digits[$i] = [Math]::Floor($value / 36)
        $remainder = $value % 36
    }
    $hash = $alphabet.Substring($remainder, 1) + $hash
}
if (-not $hash) { $hash = '0' }

$distPath = Or-Default $properties['distributionPath'] 'wrapper/dists'
$zipPath = Or-Default $properties['zipStorePath'] 'wrapper/dists'
$distDir = Join-Path (Join-Path (Join-Path (Base-Folder $properties['distributionBase']) $distPath) $distName) $hash
$zipDir = Join-Path (Join-Path (Join-Path (Base-Folder $properties['zipStoreBase']) $zipPath) $distName) $hash
$zip = Join-Path $zipDir $zipName
$marker = "$zip.ok"

function Gradle-Home {
    if (-not (Test-Path -LiteralPath $distDir)) { return $null }
    foreach ($candidate in Get-ChildItem -LiteralPath $distDir -Directory) {
        if (Test-Path -LiteralPath (Join-Path $candidate.FullName 'bin\gradle.bat')) { return $candidate.FullName }
    }
    return $null
}

if (-not (Test-Path -LiteralPath $marker) -or -not (Gradle-Home)) {
    $part = "$zip.part.$PID"
    $unpacked = "$distDir.unpack.$PID"
    try {
        New-Item -ItemType Directory -Force -Path $zipDir | Out-Null
        if (Test-Path -LiteralPath $zip) {
            Move-Item -LiteralPath $zip -Destination $part
        } else {
            [Console]::Error.WriteLine("gradlew: downloading $url")
            [Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12
            try {
                Invoke-WebRequest -UseBasicParsing -Uri $url -OutFile $part
            } catch {
                Fail "download of $url failed ($($_.Exception.Message)); check the network, or the URL in $propertiesFile"
            }
        }
        if ($sha256) {
            $actual = (Get-FileHash -Algorithm SHA256 -LiteralPath $part).Hash.ToLowerInvariant()
            if ($actual -ne $sha256) {
                Fail "$url has sha256 $actual, not the distributionSha256Sum $sha256 of $propertiesFile; the download was discarded"
            }
        }
        New-Item -ItemType Directory -Force -Path $unpacked, $distDir | Out-Null
        try {
            Expand-Archive -LiteralPath $part -DestinationPath $unpacked -Force
        } catch {
            Fail "cannot unpack $url (a damaged download?); it was discarded"
        }
        foreach ($folder in Get-ChildItem -LiteralPath $unpacked -Directory) {
            $target = Join-Path $distDir $folder.Name
            # Another gradlew run may have finished first: keep its copy.
            if ((Test-Path -LiteralPath (Join-Path $folder.FullName 'bin\gradle.bat')) -and -not (Test-Path -LiteralPath $target)) {
                Move-Item -LiteralPath $folder.FullName -Destination $target
            }
        }
        if (-not (Gradle-Home)) { Fail "$url holds no Gradle distribution (no bin\gradle.bat inside); it was discarded" }
        Move-Item -LiteralPath $part -Destination $zip
        New-Item -ItemType File -Force -Path $marker | Out-Null
    } finally {
        Remove-Item -LiteralPath $part, $unpacked -Recurse -Force -ErrorAction SilentlyContinue
    }
}
[IO.File]::WriteAllText($env:GRADLEW_HOME_FILE, (Gradle-Home))
exit 0
