package io.github.pager.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pager.core.Pager;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jspecify.annotations.Nullable;

/**
 * Kills a child JVM running a pager workload on a real file with SIGKILL at random moments, then
 * reopens the file and checks it against the last acknowledged and the in-flight state.
 *
 * <p>A process crash keeps the page cache, so this checks the in-process ordering of writes and
 * the on-disk format together (not power loss: that is the simulated storage's job). Each kill
 * reopens the same file, so recovery after recovery is covered too.
 */
class SigkillOnRealFileTest {
  @TempDir Path dir;

  @Test
  void aKilledWriterLeavesTheLastAcknowledgedOrTheInFlightState() throws Exception {
    long seed = CrashExplorer.defaultSeed();
    SplittableRandom random = new SplittableRandom(seed);
    Path file = dir.resolve("killed.pages");
    int kills = CrashExplorer.soak() ? 40 : 5;
    int acknowledgedInTotal = 0;
    for (int kill = 0; kill < kills; kill++) {
      // The child writes to a file, not a pipe: reading a pipe while the JDK drains it at the
      // child's exit can lose the last lines, and those are the ones that matter.
      Path out = dir.resolve("child-" + kill + ".out");
      Process child = new ProcessBuilder(javaCommand(), "-cp", classPath(),
              KillWorkloadMain.class.getName(), file.toString(), Long.toString(seed + kill))
          .redirectError(ProcessBuilder.Redirect.INHERIT)
          .redirectOutput(out.toFile())
          .start();
      waitForFirstAck(out, child);
      Thread.sleep(random.nextInt(5, 300));
      child.destroyForcibly();
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();

      List<String> lines = protocolLines(out);
      CrashExpectation<PagerState> expected = expectation(lines);
      assertThat(expected.acknowledged()).as("seed %d, kill %d: the child acknowledged nothing", seed, kill).isNotNull();
      try (Pager pager = Pager.open(file, KillWorkloadMain.OPTIONS)) {
        PagerCheck.verify(pager, expected);
      } catch (AssertionError e) {
        throw new AssertionError("seed " + seed + " (-Dpager.seed=" + seed + "), kill " + kill + ": " + e.getMessage()
            + "\nthe child's last lines:\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 6), lines.size())), e);
      }
      acknowledgedInTotal += (int) lines.stream().filter(l -> l.startsWith("ACK")).count();
    }
    System.out.println("[sigkill] " + kills + " kills, " + acknowledgedInTotal + " acknowledged commits, seed " + seed);
  }

  private static CrashExpectation<PagerState> expectation(List<String> lines) {
    PagerState acknowledged = null;
    PagerState inFlight = null;
    for (String line : lines) {
      if (line.startsWith("ACK ")) {
        acknowledged = KillWorkloadMain.decode(line.substring(4));
        inFlight = null;
      } else if (line.startsWith("INFLIGHT ")) {
        inFlight = KillWorkloadMain.decode(line.substring(9));
      }
    }
    return new CrashExpectation<>(acknowledged, inFlight);
  }

  /** The child's whole lines; a line the kill cut short lacks the end mark and is dropped. */
  private static List<String> protocolLines(Path out) throws IOException {
    List<String> lines = new ArrayList<>();
    for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
      if (line.endsWith(" $")) {
        lines.add(line);
      }
    }
    return lines;
  }

  private static void waitForFirstAck(Path out, Process child) throws InterruptedException, IOException {
    while (child.isAlive()) {
      if (protocolLines(out).stream().anyMatch(l -> l.startsWith("ACK"))) {
        return;
      }
      Thread.sleep(5);
    }
    throw new AssertionError("the child exited with " + child.exitValue() + " before acknowledging anything: " + protocolLines(out));
  }

  private static String javaCommand() {
    return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  /** Surefire puts the modules on the module path and the test classes beside them: take all. */
  private static String classPath() {
    Set<String> entries = new LinkedHashSet<>();
    for (String property : new String[] {"jdk.module.path", "java.class.path"}) {
      @Nullable String value = System.getProperty(property);
      if (value != null) {
        for (String entry : value.split(File.pathSeparator)) {
          if (!entry.isBlank()) {
            entries.add(entry);
          }
        }
      }
    }
    entries.add(Path.of(location(KillWorkloadMain.class)).toString());
    entries.add(Path.of(location(Pager.class)).toString());
    return String.join(File.pathSeparator, entries);
  }

  private static java.net.URI location(Class<?> type) {
    try {
      return type.getProtectionDomain().getCodeSource().getLocation().toURI();
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
