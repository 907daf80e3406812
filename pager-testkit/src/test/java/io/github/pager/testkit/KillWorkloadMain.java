package io.github.pager.testkit;

import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.Transaction;
import java.io.IOException;
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
 * <p>Protocol, one line each: {@code ACK <state>} when a state is durable, {@code INFLIGHT
 * <state>} before an operation that would produce it. States are written by {@link #encode}.
 */
public final class KillWorkloadMain {
  static final PagerOptions OPTIONS = PagerOptions.defaults().withPageSize(1024);

  private KillWorkloadMain() {}

  /**
   * Runs the loop.
   *
   * @param args the file, and the seed
   * @throws IOException when the pager fails
   */
  public static void main(String[] args) throws IOException {
    Path path = Path.of(args[0]);
    SplittableRandom random = new SplittableRandom(Long.parseLong(args[1]));
    PrintStream out = System.out;
    boolean exists = Files.exists(path);
    if (!exists) {
      out.println("INFLIGHT " + encode(PagerState.empty()));
      out.flush();
    }
    Pager pager = exists ? Pager.open(path, OPTIONS) : Pager.create(path, OPTIONS);
    PagerState state = PagerState.read(pager);
    out.println("ACK " + encode(state));
    out.flush();
    while (true) {
      List<Long> allocated = new ArrayList<>(state.allocated());
      try (Transaction tx = pager.begin()) {
        PagerState next = state;
        if (!allocated.isEmpty() && (allocated.size() > 40 || random.nextInt(3) == 0)) {
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
    return text.append(" $").toString();
  }

  /** Parses what {@link #encode} wrote. */
  static PagerState decode(String line) {
    String text = line.substring(0, line.length() - 2);
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
