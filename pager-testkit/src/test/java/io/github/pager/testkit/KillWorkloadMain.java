package io.github.pager.testkit;

import io.github.pager.core.Durability;
import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.Transaction;
import io.github.pager.testkit.process.ChildJvm;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The child process of {@link SigkillOnRealFileTest}: opens (or creates) a page file and loops
 * alloc/free/root commits until killed, printing each operation's in-flight state before it and
 * its acknowledgement after it, flushed, so the parent knows what a kill must preserve.
 *
 * <p>Protocol, one line each: {@code ACK <state>} when a state is acknowledged, {@code INFLIGHT
 * <state>} before an operation that would produce it. States are written by {@link #encode}.
 *
 * <p>The loop commits as fast as it can, so that a kill at a random moment most likely lands
 * inside a commit. The file is opened if it exists: a kill loop reuses one file, so each child
 * starts with a recovery.
 *
 * <p>JVM start dominates a kill loop, so the parent starts the next child while it still runs,
 * kills and checks the last one. The child therefore warms up on a scratch file of its own (the
 * classes of its commit path loaded), then waits for a line on its standard input before
 * it touches the real file; at the end of its input (the parent is gone) it exits, before or
 * after.
 */
public final class KillWorkloadMain {
  /** The options both the child and the parent's check open the file with, durability aside. */
  static final PagerOptions OPTIONS = PagerOptions.defaults().withPageSize(1024);

  /**
   * Enough commits to load and link every class of the commit path, which makes a cold first
   * commit slow; compiling the path too would cost more CPU than the kill loop gains.
   */
  private static final int WARM_UP_COMMITS = 50;

  /** Above this many allocated pages the loop only frees, so the file stays small. */
  private static final int MAX_ALLOCATED = 40;

  private KillWorkloadMain() {}

  /**
   * Warms up, waits for the parent's word, then runs the loop on the file.
   *
   * @param args the file, the seed, and the {@link Durability} to commit with
   * @throws IOException when the pager fails
   */
  public static void main(String[] args) throws IOException {
    Path path = Path.of(args[0]);
    long seed = Long.parseLong(args[1]);
    PagerOptions options = OPTIONS.withDurability(Durability.valueOf(args[2]));
    warmUp(path, seed);
    if (!ChildJvm.awaitParentLine()) {
      return;
    }
    ChildJvm.exitWhenInputEnds();
    PrintStream out = System.out;
    boolean exists = Files.exists(path);
    if (!exists) {
      out.println("INFLIGHT " + encode(PagerState.empty()));
      out.flush();
    }
    Pager pager = exists ? Pager.open(path, options) : Pager.create(path, options);
    PagerState state = PagerState.read(pager);
    out.println("ACK " + encode(state));
    out.flush();
    commit(pager, state, new SplittableRandom(seed), out, Long.MAX_VALUE);
  }

  /** Runs the same loop, without durability and printing nothing, on a scratch file. */
  private static void warmUp(Path path, long seed) throws IOException {
    Path scratch = path.resolveSibling(path.getFileName() + ".warm-up-" + ProcessHandle.current().pid());
    try (Pager pager = Pager.create(scratch, OPTIONS.withDurability(Durability.NONE))) {
      commit(pager, PagerState.read(pager), new SplittableRandom(seed), new PrintStream(OutputStream.nullOutputStream()),
          WARM_UP_COMMITS);
    } finally {
      Files.deleteIfExists(scratch);
    }
  }

  /** Commits {@code commits} times, each announced before and acknowledged after. */
  private static void commit(Pager pager, PagerState start, SplittableRandom random, PrintStream out, long commits)
      throws IOException {
    PagerState state = start;
    for (long done = 0; done < commits; done++) {
      List<Long> allocated = new ArrayList<>(state.allocated());
      try (Transaction tx = pager.begin()) {
        PagerState next = state;
        if (!allocated.isEmpty() && (allocated.size() > MAX_ALLOCATED || random.nextInt(3) == 0)) {
          long victim = allocated.get(random.nextInt(allocated.size()));
          tx.free(pager.pageId(victim));
          next = next.withFreed(victim);
        } else {
          PageId id = tx.alloc();
          next = next.withAllocated(id.index());
          next = next.stamp(pager, id, random.nextLong() | 1);
        }
        long root = random.nextLong();
        tx.setRoot(0, root);
        next = next.withRoot(0, root);
        out.println("INFLIGHT " + encode(next));
        out.flush();
        tx.commit();
        state = next;
      }
      out.println("ACK " + encode(state));
      out.flush();
    }
  }

  /** Encodes allocation, root 0 and stamps as {@code a=3,4;r=77;s=3:9,4:12}. */
  static String encode(PagerState state) {
    StringBuilder text = new StringBuilder("a=");
    state.allocated().forEach(page -> text.append(page).append(','));
    text.append(";r=").append(state.root(0)).append(";s=");
    state.stamps().forEach((page, value) -> text.append(page).append(':').append(value).append(','));
    // The end mark lets the parent drop a line the kill cut short.
    return text.append(ChildJvm.END_MARK).toString();
  }

  /** Parses what {@link #encode} wrote. */
  static PagerState decode(String line) {
    String text = line.substring(0, line.length() - ChildJvm.END_MARK.length());
    String[] parts = text.split(";", -1);
    PagerState state = PagerState.empty();
    for (String page : parts[0].substring(2).split(",")) {
      if (!page.isEmpty()) {
        state = state.withAllocated(Long.parseLong(page));
      }
    }
    state = state.withRoot(0, Long.parseLong(parts[1].substring(2)));
    for (String stamp : parts[2].substring(2).split(",")) {
      if (!stamp.isEmpty()) {
        String[] kv = stamp.split(":");
        state = state.withStamp(Long.parseLong(kv[0]), Long.parseLong(kv[1]));
      }
    }
    return state;
  }
}
