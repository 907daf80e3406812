package io.github.pager.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.testkit.process.ChildJvm;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Group commit on a real file, killed with SIGKILL: a child JVM's threads commit durable
 * allocations at once ({@link GroupCommitKillMain}), so that flushes carry several threads'
 * commits, and the child is killed while they run, again and again on the same file.
 *
 * <p>After each kill, for every thread: its root value is its last acknowledged count or the one
 * in flight, every page it was acknowledged is allocated, and no page is allocated that no
 * thread announced. A commit acknowledged to one thread is never lost because another member of
 * its group was still in flight. The kill delays come from the printed seed ({@code
 * -Dpager.seed=N}); the child's timing cannot be replayed.
 */
class GroupCommitSigkillTest {
  private static final int THREADS = 4;
  private static final int KILLS = 12;
  private static final int MAX_DELAY_MICROS = 30_000;

  @TempDir Path dir;

  @Test
  void noCommitAcknowledgedToAnyThreadIsLostToAKill() throws Exception {
    long seed = CrashExplorer.defaultSeed();
    System.out.println("[group commit sigkill] seed " + seed + " (-Dpager.seed=" + seed + ")");
    SplittableRandom random = new SplittableRandom(seed);
    Path file = dir.resolve("grouped.pages");
    Set<Long> allocated = new HashSet<>();
    long[] counts = new long[THREADS];
    long acknowledged = 0;
    for (int kill = 0; kill < KILLS; kill++) {
      List<String> lines;
      try (ChildJvm child = ChildJvm.start(
          GroupCommitKillMain.class, dir.resolve("child-" + kill + ".out"), file.toString(), Integer.toString(THREADS))) {
        child.send("go");
        lines = new ArrayList<>(child.awaitLine(line -> line.startsWith("ACK ")));
        int delayMicros = random.nextInt(MAX_DELAY_MICROS);
        Thread.sleep(delayMicros / 1000, delayMicros % 1000 * 1000);
        child.kill();
        lines.addAll(child.newLines());
      }
      String where = "seed " + seed + ", kill " + kill;
      Map<Integer, long[]> lastAck = new HashMap<>();
      Map<Integer, long[]> inFlight = new HashMap<>();
      Set<Long> announced = new HashSet<>(allocated);
      for (String line : lines) {
        String[] parts = line.split(" ");
        long[] commit = {Long.parseLong(parts[2]), Long.parseLong(parts[3])};
        int thread = Integer.parseInt(parts[1]);
        announced.add(commit[1]);
        if (parts[0].equals("ACK")) {
          lastAck.put(thread, commit);
          inFlight.remove(thread);
          allocated.add(commit[1]);
          acknowledged++;
        } else {
          inFlight.put(thread, commit);
        }
      }
      try (Pager pager = Pager.open(file, GroupCommitKillMain.OPTIONS)) {
        assertThat(pager.verify().problems()).as(where).isEmpty();
        Set<Long> found = new HashSet<>();
        for (PageId id : pager.allocatedPages()) {
          found.add(id.index());
        }
        assertThat(found).as(where + ": every acknowledged page").containsAll(allocated);
        assertThat(announced).as(where + ": only announced pages").containsAll(found);
        for (int t = 0; t < THREADS; t++) {
          long before = lastAck.containsKey(t) ? lastAck.get(t)[0] : counts[t];
          long root = pager.root(t);
          if (inFlight.containsKey(t)) {
            assertThat(root).as(where + ": thread " + t + "'s count").isIn(before, inFlight.get(t)[0]);
          } else {
            assertThat(root).as(where + ": thread " + t + "'s count").isEqualTo(before);
          }
          counts[t] = root;
        }
        allocated = found;
      }
    }
    System.out.printf("[group commit sigkill] %d kills, %d commits acknowledged, %d threads%n",
        KILLS, acknowledged, THREADS);
    assertThat(acknowledged).as("commits acknowledged between the kills").isGreaterThan(KILLS);
  }
}
