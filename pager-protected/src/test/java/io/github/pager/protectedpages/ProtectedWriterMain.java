package io.github.pager.protectedpages;

import io.github.pager.core.Durability;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.Transaction;
import io.github.pager.testkit.process.ChildJvm;
import io.github.pager.testkit.process.ReadersBesideWriter;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The writer child of {@link ProtectedReadersBesideAWriterTest}: creates a page file and commits
 * protected-page changes to it until killed (or its parent is gone), acknowledging each commit
 * with the state it left (see {@link ReadersBesideWriter#acknowledge}).
 *
 * <p>A commit may allocate or free a protected page, rewrites one to three others wholly (each
 * with bytes that follow from its id and new version, see {@link #content}), changes two root
 * values, and now and then grows the file by a quarter. Copies, directory and bitmap nodes are
 * therefore rewritten and reused from commit to commit, which is what a reader that mixes two
 * commits trips on.
 */
public final class ProtectedWriterMain {
  /** Root slots 8 to 12 hold the protected pages. */
  static final int BASE_SLOT = 8;

  /** The page size of the file. */
  static final PagerOptions OPTIONS = PagerOptions.defaults().withPageSize(1024);

  private static final int MAX_PAGES = 24;
  private static final int GROWTH_EVERY_COMMITS = 150;
  private static final long MAX_PAGE_COUNT = 1L << 15;

  private ProtectedWriterMain() {}

  /**
   * Runs the loop.
   *
   * @param args the file to create, the seed, and the {@link Durability} to commit with
   * @throws IOException when the pager fails
   */
  public static void main(String[] args) throws IOException {
    ChildJvm.exitWhenInputEnds();
    Path path = Path.of(args[0]);
    long seed = Long.parseLong(args[1]);
    SplittableRandom random = new SplittableRandom(seed);
    Pager pager = Pager.create(path, OPTIONS.withDurability(Durability.valueOf(args[2])));
    ProtectedPageAllocator pages = ProtectedPageAllocator.open(pager, BASE_SLOT);
    ReadersBesideWriter.View view = written -> render(written, pages, seed);
    ReadersBesideWriter.acknowledge(System.out, pager, view);
    List<ProtectedPageId> ids = new ArrayList<>();
    Map<Long, Long> versions = new HashMap<>();
    for (long commit = 1; ; commit++) {
      try (ProtectedTransaction tx = pages.begin()) {
        Set<Long> touched = new HashSet<>();
        if (ids.size() < MAX_PAGES && (ids.isEmpty() || random.nextInt(3) == 0)) {
          ProtectedPageId id = tx.alloc();
          ids.add(id);
          versions.put(id.value(), 1L);
          touched.add(id.value());
        } else if (ids.size() >= MAX_PAGES || random.nextInt(4) == 0) {
          ProtectedPageId id = ids.remove(random.nextInt(ids.size()));
          tx.free(id);
          versions.remove(id.value());
          touched.add(id.value());
        }
        for (int writes = 1 + random.nextInt(3); writes > 0 && !ids.isEmpty(); writes--) {
          ProtectedPageId id = ids.get(random.nextInt(ids.size()));
          if (touched.add(id.value())) {
            long version = Objects.requireNonNull(versions.get(id.value())) + 1;
            tx.write(id).copyFrom(MemorySegment.ofArray(content(seed, id.value(), version, pager.pageSize())));
            versions.put(id.value(), version);
          }
        }
        Transaction pagerTx = tx.pagerTransaction();
        pagerTx.setRoot(0, random.nextLong());
        pagerTx.setRoot(1, commit);
        if (commit % GROWTH_EVERY_COMMITS == 0 && pager.pageCount() < MAX_PAGE_COUNT) {
          pagerTx.ensurePageCount(pager.pageCount() + pager.pageCount() / 4);
        }
        tx.commit();
      }
      ReadersBesideWriter.acknowledge(System.out, pager, view);
    }
  }

  /**
   * The bytes the writer gives a protected page at a version: zeros at version 1 (a new page),
   * then bytes that follow from the seed, the id and the version, so a reader can tell whether a
   * page's content is the one its version promises.
   */
  static byte[] content(long seed, long id, long version, int pageSize) {
    byte[] bytes = new byte[pageSize];
    if (version > 1) {
      new SplittableRandom(seed ^ (id * 0x9E3779B97F4A7C15L) ^ (version * 0xC2B2AE3D27D4EB4FL)).nextBytes(bytes);
    }
    return bytes;
  }

  /**
   * Renders a commit: the pager's state, then every protected page's id and version; fails when a
   * page's verified content is not the one its version promises.
   */
  static String render(Pager pager, ProtectedPageAllocator pages, long seed) throws IOException {
    StringBuilder text = new StringBuilder(ReadersBesideWriter.pagerState(pager)).append(";protected=");
    byte[] buffer = new byte[pager.pageSize()];
    for (ProtectedPageId id : pages.allocatedIds()) {
      long version = pages.read(id, buffer);
      if (!Arrays.equals(buffer, content(seed, id.value(), version, pager.pageSize()))) {
        throw new AssertionError("protected page " + id.value() + " at version " + version + " of generation "
            + pager.generation() + " holds other bytes than the writer wrote for that version");
      }
      text.append(id.value()).append(':').append(version).append(',');
    }
    return text.toString();
  }
}
