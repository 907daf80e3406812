package io.github.pager.testkit;

import io.github.pager.core.Durability;
import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.PersistentArray;
import io.github.pager.core.PersistentBitmap;
import io.github.pager.core.Transaction;
import io.github.pager.testkit.process.ChildJvm;
import io.github.pager.testkit.process.ReadersBesideWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * The writer child of {@link ReadOnlyOpenersBesideAWriterTest}: creates a page file and commits to
 * it until killed (or its parent is gone), each commit changing several things at once, and
 * acknowledges each commit with the state it left (see {@link ReadersBesideWriter#acknowledge}).
 *
 * <p>A commit allocates or frees a regular page, sets or clears a bit of a {@link
 * PersistentBitmap} spread over a million bits (a tree of several levels), writes or erases a
 * record of a {@link PersistentArray} (also several levels), changes two root values, and now and
 * then grows the file by a quarter, which maps a new region every few growths. So consecutive
 * commits reuse each other's tree pages, which is what a reader that mixes two commits trips on.
 *
 * <p>Every {@value #READERS_EVERY_COMMITS} commits it also prints what it knows of the registered
 * readers: {@code READERS <live> <oldest generation> <pages held>}.
 */
public final class StructuresWriterMain {
  /** Root slots 2 and 3 hold the bitmap. */
  static final int BITMAP_SLOT = 2;

  /** Root slots 4 and 5 hold the array. */
  static final int ARRAY_SLOT = 4;

  /** Bytes per array record. */
  static final int RECORD_SIZE = 32;

  /** The page size of the file. */
  static final PagerOptions OPTIONS = PagerOptions.defaults().withPageSize(1024);

  private static final long BITMAP_SPAN = 1L << 20;
  private static final int MAX_SET_BITS = 30;
  private static final int MAX_ALLOCATED = 60;
  private static final int GROWTH_EVERY_COMMITS = 150;
  private static final long MAX_PAGE_COUNT = 1L << 15;
  private static final int READERS_EVERY_COMMITS = 100;

  private StructuresWriterMain() {}

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
    long[] recordIndexes = recordIndexes(seed);
    ReadersBesideWriter.View view = pager -> render(pager, recordIndexes);
    Pager pager = Pager.create(path, OPTIONS.withDurability(Durability.valueOf(args[2])));
    ReadersBesideWriter.acknowledge(System.out, pager, view);
    List<Long> pages = new ArrayList<>();
    TreeSet<Long> bits = new TreeSet<>();
    Map<Long, Boolean> records = new HashMap<>();
    for (long commit = 1; ; commit++) {
      try (Transaction tx = pager.begin()) {
        if (!pages.isEmpty() && (pages.size() >= MAX_ALLOCATED || random.nextInt(3) == 0)) {
          tx.free(pager.pageId(pages.remove(random.nextInt(pages.size()))));
        } else {
          PageId id = tx.alloc();
          pages.add(id.index());
        }
        PersistentBitmap bitmap = tx.bitmap(BITMAP_SLOT);
        if (!bits.isEmpty() && (bits.size() >= MAX_SET_BITS || random.nextBoolean())) {
          Long above = bits.ceiling(random.nextLong(BITMAP_SPAN));
          long bit = above != null ? above : bits.first();
          bits.remove(bit);
          bitmap.clear(bit);
        } else {
          long bit = random.nextLong(BITMAP_SPAN);
          if (bits.add(bit)) {
            bitmap.set(bit);
          }
        }
        PersistentArray array = tx.array(ARRAY_SLOT, RECORD_SIZE);
        long index = recordIndexes[random.nextInt(recordIndexes.length)];
        boolean erase = records.getOrDefault(index, false) && random.nextInt(4) == 0;
        array.set(index, erase ? new long[RECORD_SIZE / 8] : new long[] {commit, index, random.nextLong(), ~commit});
        records.put(index, !erase);
        tx.setRoot(0, random.nextLong());
        tx.setRoot(1, commit);
        if (commit % GROWTH_EVERY_COMMITS == 0 && pager.pageCount() < MAX_PAGE_COUNT) {
          tx.ensurePageCount(pager.pageCount() + pager.pageCount() / 4);
        }
        tx.commit();
      }
      ReadersBesideWriter.acknowledge(System.out, pager, view);
      if (commit % READERS_EVERY_COMMITS == 0) {
        System.out.println("READERS " + pager.liveReaders() + " " + pager.oldestReaderGeneration() + " "
            + pager.pagesHeldForSnapshots() + ChildJvm.END_MARK);
      }
    }
  }

  /** The array indexes the writer uses: spread over 2^16 records, so the array has several levels. */
  static long[] recordIndexes(long seed) {
    SplittableRandom random = new SplittableRandom(~seed);
    long[] indexes = new long[16];
    for (int i = 0; i < indexes.length; i++) {
      indexes[i] = random.nextLong(1L << 16);
    }
    return indexes;
  }

  /**
   * Renders everything a commit of this writer holds: the pager's state, every set bit, and the
   * records at the writer's indexes.
   */
  static String render(Pager pager, long[] recordIndexes) throws IOException {
    StringBuilder text = new StringBuilder(ReadersBesideWriter.pagerState(pager)).append(";bits=");
    PersistentBitmap bitmap = pager.readBitmap(BITMAP_SLOT);
    for (long bit = bitmap.nextSet(0); bit >= 0; bit = bitmap.nextSet(bit + 1)) {
      text.append(bit).append(',');
    }
    text.append(";records=");
    PersistentArray array = pager.readArray(ARRAY_SLOT, RECORD_SIZE);
    for (long index : recordIndexes) {
      long[] record = array.get(index);
      if (record[0] != 0) {
        text.append(index).append(':').append(record[0]).append('/').append(record[2]).append(',');
      }
    }
    return text.toString();
  }
}
