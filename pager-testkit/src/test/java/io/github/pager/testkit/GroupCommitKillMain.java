package io.github.pager.testkit;

import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.Transaction;
import io.github.pager.testkit.process.ChildJvm;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The child process of {@link GroupCommitSigkillTest}: several threads commit durable
 * allocations to one pager at once, so that their commits share flushes, until the process is
 * killed.
 *
 * <p>Thread {@code t} counts its commits in root value {@code t}: each of its commits allocates
 * one page and sets the root to the new count. Protocol, one line each, ended by {@link
 * ChildJvm#END_MARK}: {@code INFLIGHT t count page} before a commit, {@code ACK t count page}
 * once it returned. A line is printed under the writer lock or after the commit returned, so
 * each thread's lines are in the order of its commits.
 */
public final class GroupCommitKillMain {
  /** The options both the child and the parent's check open the file with. */
  static final PagerOptions OPTIONS = PagerOptions.defaults().withPageSize(1024).withInitialPageCount(64);

  private GroupCommitKillMain() {}

  /**
   * Opens or creates the file, waits for the parent's word, then commits from every thread.
   *
   * @param args the file and the number of threads
   * @throws Exception when the pager fails
   */
  public static void main(String[] args) throws Exception {
    Path path = Path.of(args[0]);
    int threads = Integer.parseInt(args[1]);
    Pager pager = Pager.openOrCreate(path, OPTIONS);
    if (!ChildJvm.awaitParentLine()) {
      pager.close();
      return;
    }
    ChildJvm.exitWhenInputEnds();
    PrintStream out = System.out;
    List<Thread> committers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int slot = t;
      committers.add(Thread.ofPlatform().start(() -> {
        try {
          commitForever(pager, slot, out);
        } catch (IOException e) {
          e.printStackTrace();
          System.exit(3);
        }
      }));
    }
    for (Thread committer : committers) {
      committer.join();
    }
  }

  private static void commitForever(Pager pager, int slot, PrintStream out) throws IOException {
    while (true) {
      try (Transaction tx = pager.begin()) {
        long count = tx.root(slot) + 1;
        PageId page = tx.alloc();
        tx.setRoot(slot, count);
        String commit = slot + " " + count + " " + page.index();
        out.println("INFLIGHT " + commit + ChildJvm.END_MARK);
        out.flush();
        tx.commit();
        out.println("ACK " + commit + ChildJvm.END_MARK);
        out.flush();
      }
    }
  }
}
