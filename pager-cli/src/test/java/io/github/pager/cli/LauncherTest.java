package io.github.pager.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code ./pager} launcher at the repository's root, run for real by bash. */
class LauncherTest {
  /** Surefire runs the tests in the module's folder; the launcher sits one above. */
  private static final Path LAUNCHER = Path.of("..", "pager").toAbsolutePath().normalize();

  @TempDir Path dir;

  @Test
  void noJdkExitsWithItsOwnCodeNotTheOneForProblemsFound() throws IOException, InterruptedException {
    assertThat(LAUNCHER).isRegularFile();
    Path noJdks = Files.createDirectory(dir.resolve("no-jdks"));
    ProcessBuilder builder = new ProcessBuilder("bash", LAUNCHER.toString(), "verify", "some.pages");
    builder.environment().remove("JAVA_HOME");
    builder.environment().put("PAGER_JDK_ROOTS", noJdks.toString());
    builder.redirectErrorStream(true);
    Process launcher = builder.start();
    String output = new String(launcher.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(launcher.waitFor(60, TimeUnit.SECONDS)).as("the launcher returned").isTrue();
    assertThat(launcher.exitValue()).as(output).isEqualTo(ExitCode.CANNOT_RUN).isNotEqualTo(ExitCode.PROBLEMS);
    assertThat(output).contains("no JDK 25 or newer found");
  }
}
