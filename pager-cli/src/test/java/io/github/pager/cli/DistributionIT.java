package io.github.pager.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution (pager-cli's {@code -dist.tar.gz}) as a user installs it: unpacked into a
 * folder outside the clone and run from another one, with nothing of the repository in reach.
 * Failsafe runs it after {@code package}, which builds the archive.
 */
class DistributionIT {
  /** Set by the pom: the archive {@code package} built. */
  private static final String ARCHIVE_PROPERTY = "pager.dist.archive";

  @TempDir Path temp;

  private Path install;
  private Path launcher;
  private Path work;

  @BeforeEach
  void unpack() throws IOException, InterruptedException {
    String archive = System.getProperty(ARCHIVE_PROPERTY);
    assertThat(archive).as("-D%s (run through ./mvn25 verify)", ARCHIVE_PROPERTY).isNotNull();
    Path repository = Path.of("..").toAbsolutePath().normalize();
    assertThat(temp.toAbsolutePath().startsWith(repository)).as("%s lies outside the clone", temp).isFalse();

    install = Files.createDirectory(temp.resolve("opt"));
    Result untar = run(install, Map.of(), "tar", "-xzf", Path.of(archive).toAbsolutePath().toString());
    assertThat(untar.exit()).as(untar.output()).isZero();
    launcher = install.resolve("pager-" + System.getProperty("pager.version") + "/bin/pager");
    work = Files.createDirectory(temp.resolve("work"));
  }

  @Test
  void demoThenInfoAndVerifyOfItsFileRunFromAnotherFolder() throws IOException, InterruptedException {
    assertThat(Files.isExecutable(launcher)).as("%s is executable", launcher).isTrue();

    Result demo = run(work, withThisJdk(), launcher.toString(), "demo", work.toString());
    assertThat(demo.exit()).as(demo.output()).isEqualTo(ExitCode.OK);
    assertThat(demo.output()).contains("result      everything acknowledged before the reopen is there");
    List<Path> files;
    try (var listing = Files.list(work)) {
      files = listing.filter(file -> file.toString().endsWith(".pages")).toList();
    }
    assertThat(files).as("the demo's page file in %s", work).hasSize(1);
    String file = files.get(0).toString();

    Result info = run(work, withThisJdk(), launcher.toString(), "info", file);
    assertThat(info.exit()).as(info.output()).isEqualTo(ExitCode.OK);
    assertThat(info.output()).contains("file        " + file).contains("format      version");

    Result verify = run(work, withThisJdk(), launcher.toString(), "verify", file);
    assertThat(verify.exit()).as(verify.output()).isEqualTo(ExitCode.OK);
  }

  @Test
  void runsThroughASymbolicLinkOnThePath() throws IOException, InterruptedException {
    Path bin = Files.createDirectory(temp.resolve("bin"));
    Path link = Files.createSymbolicLink(bin.resolve("pager"), launcher);

    Result help = run(work, withThisJdk(), link.toString(), "help");
    assertThat(help.exit()).as(help.output()).isEqualTo(ExitCode.OK);
    assertThat(help.output()).contains("Usage: pager");
  }

  @Test
  void withoutAJdk25ItExitsWithCannotRunNotProblemsFound() throws IOException, InterruptedException {
    Path noJdks = Files.createDirectory(temp.resolve("no-jdks"));

    Result verify = run(work, Map.of("PAGER_JDK_ROOTS", noJdks.toString()), launcher.toString(), "verify", "some.pages");
    assertThat(verify.exit()).as(verify.output()).isEqualTo(ExitCode.CANNOT_RUN);
    assertThat(verify.output()).contains("no JDK 25 or newer found");
  }

  /** The JDK running this test (25 or newer, as the build requires) for the launcher to use. */
  private static Map<String, String> withThisJdk() {
    return Map.of("JAVA_HOME", System.getProperty("java.home"));
  }

  /**
   * Runs a command in {@code folder}, without the JAVA_HOME of the build, with stderr merged into
   * stdout.
   */
  private static Result run(Path folder, Map<String, String> environment, String... command)
      throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command).directory(folder.toFile()).redirectErrorStream(true);
    builder.environment().remove("JAVA_HOME");
    builder.environment().putAll(environment);
    Process process = builder.start();
    process.getOutputStream().close();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("%s returned", List.of(command)).isTrue();
    return new Result(process.exitValue(), output);
  }

  private record Result(int exit, String output) {}
}
