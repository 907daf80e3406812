package io.github.pager.testkit;

import io.github.pager.core.Durability;
import io.github.pager.core.Pager;
import io.github.pager.testkit.process.ChildJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.jspecify.annotations.Nullable;

/**
 * Kills a child JVM committing to a real file with SIGKILL while its commits run, again and
 * again, and checks after each kill that the file opens at the last acknowledged or the in-flight
 * state.
 *
 * <p>A process crash keeps the page cache, so this checks the in-process order of the stores
 * into the mapping and the on-disk format together (power loss is the simulated storage's job):
 * a store sequence that leaves an invalid page for an instant, such as a superblock whose fields
 * are written before its CRC, is caught when a kill lands in that instant. The same file is kept
 * from kill to kill, so every child starts with a recovery and recovery after recovery is
 * covered; a file that fails is set aside and the loop goes on with a new one, so one run counts
 * every failure.
 *
 * <p>Each kill lands after the child's first acknowledged commit (so its code is loaded and it
 * commits as fast as it can), after a random delay of up to 20 ms. The delays
 * come from the printed seed ({@code -Dpager.seed=N} replays them; the timing of the child itself
 * cannot be replayed). 50 kills per durability mode by default, 1500 with {@code
 * -Dpager.soak=true}, or as many as {@code -Dpager.sigkill.kills=N} asks for.
 */
class SigkillOnRealFileTest {
  private static final int KILLS_PER_MODE = 50;
  private static final int SOAK_KILLS_PER_MODE = 1500;

  /**
   * The longest delay from the first commit's acknowledgement to the kill: hundreds of commits
   * with {@link Durability#NONE}, a few with {@link Durability#SYNC}.
   */
  private static final int MAX_DELAY_MICROS = 20_000;

  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(Durability.class)
  void aKilledWriterLeavesTheLastAcknowledgedOrTheInFlightState(Durability durability) throws Exception {
    long seed = CrashExplorer.defaultSeed();
    SplittableRandom random = new SplittableRandom(seed);
    int kills = Integer.getInteger("pager.sigkill.kills", CrashExplorer.soak() ? SOAK_KILLS_PER_MODE : KILLS_PER_MODE);
    long started = System.nanoTime();
    Path file = dir.resolve("killed.pages");
    List<String> failures = new ArrayList<>();
    @Nullable Throwable firstFailure = null;
    int acknowledgedInTotal = 0;
    int filesInARow = 0;
    // Each child boots and warms up while the one before it runs: see KillWorkloadMain.
    @Nullable ChildJvm next = startChild(file, seed, 0, durability);
    try {
      for (int kill = 0; kill < kills; kill++) {
        int delayMicros = random.nextInt(MAX_DELAY_MICROS);
        String where = "seed " + seed + " (-Dpager.seed=" + seed + "), " + durability + ", kill " + kill + " (after "
            + filesInARow + " earlier kills of this file, " + delayMicros + " µs after the first commit's ACK)";
        List<String> lines;
        try (ChildJvm child = Objects.requireNonNull(next)) {
          child.send("go");
          next = kill + 1 < kills ? startChild(file, seed, kill + 1, durability) : null;
          lines = killWhileCommitting(child, delayMicros);
        }
        CrashExpectation<PagerState> expected = expectation(lines);
        acknowledgedInTotal += acknowledgements(lines) - 1;
        try (Pager pager = Pager.open(file, KillWorkloadMain.OPTIONS.withDurability(durability))) {
          PagerCheck.verify(pager, expected);
          filesInARow++;
        } catch (Exception | AssertionError e) {
          failures.add(where + ": " + e + "\n    the child's last lines: " + tail(lines));
          firstFailure = firstFailure == null ? e : firstFailure;
          // Keep the evidence beside the child's output, and go on with a new file.
          Files.move(file, dir.resolve("failed-at-kill-" + kill + ".pages"));
          filesInARow = 0;
        }
      }
    } finally {
      if (next != null) {
        next.close();
      }
    }
    long millis = (System.nanoTime() - started) / 1_000_000;
    System.out.printf("[sigkill] %s: %d kills, %d commits acknowledged, %d failed, seed %d, %d ms%n",
        durability, kills, acknowledgedInTotal, failures.size(), seed, millis);
    if (!failures.isEmpty()) {
      throw new AssertionError(failures.size() + " of " + kills + " kills with " + durability
          + " left a file that does not open at the acknowledged or the in-flight state:\n  "
          + String.join("\n  ", failures), firstFailure);
    }
  }

  /** Lets the child commit for a while after its first commit, kills it, and returns its lines. */
  private static List<String> killWhileCommitting(ChildJvm child, int delayMicros) throws Exception {
    List<String> lines = new ArrayList<>();
    // The first ACK is the state the child opened; the second, its first commit's.
    while (acknowledgements(lines) < 2) {
      lines.addAll(child.awaitLine(line -> line.startsWith("ACK ")));
    }
    Thread.sleep(delayMicros / 1000, delayMicros % 1000 * 1000);
    child.kill();
    lines.addAll(child.newLines());
    return lines;
  }

  private static int acknowledgements(List<String> lines) {
    return (int) lines.stream().filter(line -> line.startsWith("ACK ")).count();
  }

  private ChildJvm startChild(Path file, long seed, int kill, Durability durability) throws IOException {
    return ChildJvm.start(KillWorkloadMain.class, dir.resolve("child-" + kill + ".out"),
        file.toString(), Long.toString(seed + kill), durability.name());
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

  private static String tail(List<String> lines) {
    List<String> last = lines.subList(Math.max(0, lines.size() - 2), lines.size());
    return String.join("\n      ", last);
  }
}
