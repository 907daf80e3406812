package io.github.pager.core;

import io.github.pager.core.storage.FileStorage;
import io.github.pager.core.storage.ReaderTable;
import io.github.pager.core.storage.Storage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Shrinks a page file: moves the pages the pager and its layers own towards the start of the file,
 * then cuts the free tail off (as {@code bbolt compact} and {@code VACUUM} do, but in place). User
 * pages never move: a page's id is its place, so the file ends after the highest user page at
 * best. FORMAT.md, "Compaction", specifies it.
 *
 * <pre>{@code
 * CompactionReport report = PageFileCompaction.compact(path, pager -> List.of(
 *     ProtectedPageRelocator.of(ProtectedPageAllocator.open(pager, 8))));
 * System.out.println(report.bytesBefore() + " -> " + report.bytesAfter());
 * }</pre>
 *
 * <p>It is an offline operation with the file to itself: it opens the file as its writer (refused
 * with {@link PageFileLockedException} when another writer holds it) and holds every slot of the
 * reader table until it is done (refused with {@link CompactionRefusedException} while a
 * registered reader reads the file), because the last step takes bytes away from under every
 * mapping of the file. A read-only pager that opens meanwhile, in this process or another, is
 * refused with {@link CompactionInProgressException} (a {@link ReaderTableFullException}).
 *
 * <p>Crash safety comes from the commit protocol: every move is an ordinary commit, copy on write,
 * so a crash leaves the file at one of them, each a whole state with every user page where it
 * was. The page count shrinks by two commits that name the smaller count in both metadata copies
 * before the file is cut, so that a crash before the cut leaves a file longer than its page count
 * (which opens), and the cut never takes a page that either copy reaches.
 */
public final class PageFileCompaction {
  /** Rounds of moves at most; two usually do, the second moving what waited for the first. */
  private static final int MAX_ROUNDS = 16;

  /** The key of {@link CompactionReport#moved()} for the pager's own pages. */
  static final String OWN_NODES = "free-space tree nodes";

  /** The layers whose pages may move, for the pager compaction opens. */
  @FunctionalInterface
  public interface Layers {
    /** No layer: only the pager's own pages move. */
    Layers NONE = pager -> List.of();

    /**
     * Returns the relocators of the layers in the file, opened on {@code pager}.
     *
     * @param pager the pager compaction opened, the file's writer
     * @return the relocators, possibly none
     * @throws IOException when a layer cannot be opened
     */
    List<PageRelocator> open(Pager pager) throws IOException;
  }

  private final Pager pager;
  private final List<PageRelocator> relocators;
  private final Map<String, Long> moved = new LinkedHashMap<>();
  private final List<String> notes = new ArrayList<>();
  private int commits;

  private PageFileCompaction(Pager pager, List<PageRelocator> relocators) {
    this.pager = pager;
    this.relocators = List.copyOf(relocators);
    moved.put(OWN_NODES, 0L);
    for (PageRelocator relocator : this.relocators) {
      moved.put(relocator.describe(), 0L);
    }
  }

  /**
   * Compacts the page file at {@code file}; see {@link #compact(Storage, Layers)}.
   *
   * @param file the page file
   * @param layers the relocators of its layers
   * @return what was done
   * @throws IOException as {@link #compact(Storage, Layers)} throws, and when the file is missing
   */
  public static CompactionReport compact(Path file, Layers layers) throws IOException {
    return compact(FileStorage.open(file, false), layers);
  }

  /**
   * Compacts the page file a storage holds, and closes the storage.
   *
   * @param storage the file, writable; compaction owns it from now on
   * @param layers the relocators of the file's layers; pages of layers without one stay in place
   * @return what was done
   * @throws PageFileLockedException when another writer holds the file
   * @throws CompactionRefusedException when a registered reader reads the file
   * @throws IOException when the file does not open (as {@link Pager#open(Storage, PagerOptions)}
   *     says) or cannot be written; every commit made until then stands, and the file opens
   */
  public static CompactionReport compact(Storage storage, Layers layers) throws IOException {
    if (storage.isReadOnly()) {
      String name = storage.describe();
      storage.close();
      throw new IllegalArgumentException("cannot compact a read-only storage: " + name);
    }
    long bytesBefore = storage.size();
    Pager pager = Pager.open(storage, PagerOptions.defaults());
    try (HeldReaderTable held = HeldReaderTable.take(storage)) {
      // A transaction that needs more pages than are free fails instead: compaction rolls it back.
      pager.forbidGrowth();
      return new PageFileCompaction(pager, layers.open(pager)).run(bytesBefore);
    } finally {
      pager.close();
    }
  }

  /**
   * The reader table, held for a compaction: its compaction lock and every slot. The lock is taken
   * first and given back last, so that a reader that finds no free slot while the slots are held
   * finds the lock held too, and is told that a compaction runs ({@link
   * CompactionInProgressException}) rather than that the table is full.
   */
  private static final class HeldReaderTable implements AutoCloseable {
    /** Nothing to hold: the storage has no reader table (a simulated one). */
    private static final HeldReaderTable NONE = new HeldReaderTable(null, List.of());

    private final ReaderTable.@Nullable CompactionLock lock;
    private final List<ReaderTable.Slot> slots;

    private HeldReaderTable(ReaderTable.@Nullable CompactionLock lock, List<ReaderTable.Slot> slots) {
      this.lock = lock;
      this.slots = slots;
    }

    static HeldReaderTable take(Storage storage) throws IOException {
      ReaderTable table = storage.readerTable();
      if (table == null) {
        return NONE;
      }
      ReaderTable.CompactionLock lock = table.lockForCompaction();
      if (lock == null) {
        // Never expected: a compaction is a writer, and this one holds the writer lock.
        throw new CompactionRefusedException(
            storage.describe() + ": another compaction holds the reader table " + table.path());
      }
      try {
        return new HeldReaderTable(lock, takeEverySlot(storage, table));
      } catch (IOException | RuntimeException e) {
        try {
          lock.close();
        } catch (IOException | RuntimeException closing) {
          e.addSuppressed(closing);
        }
        throw e;
      }
    }

    /** Gives back the slots, then the lock. */
    @Override
    public void close() throws IOException {
      try {
        for (ReaderTable.Slot slot : slots) {
          slot.close();
        }
      } finally {
        if (lock != null) {
          lock.close();
        }
      }
    }
  }

  /**
   * Takes every slot of the reader table, so that no reader registers while the file shrinks; a
   * slot that cannot be taken belongs to a live reader (or, for an instant, to a reader
   * registering or a tool counting readers).
   */
  private static List<ReaderTable.Slot> takeEverySlot(Storage storage, ReaderTable table) throws IOException {
    for (int attempt = 1; ; attempt++) {
      List<ReaderTable.Slot> held = new ArrayList<>();
      for (ReaderTable.Slot slot = table.tryTake(); slot != null; slot = table.tryTake()) {
        held.add(slot);
      }
      if (held.size() == table.capacity()) {
        return held;
      }
      for (ReaderTable.Slot slot : held) {
        slot.close();
      }
      ReaderTable.Census census = table.readersReclaimingDead();
      if (census.live() > 0) {
        throw new CompactionRefusedException(
            storage.describe() + ": " + census.live() + " registered reader(s) read generation "
                + census.oldestGeneration() + " or newer (reader table " + table.path() + "); close them first:"
                + " compaction cuts the file under their mappings");
      }
      if (attempt == 3) {
        throw new CompactionRefusedException(
            storage.describe() + ": " + (table.capacity() - held.size()) + " slot(s) of the reader table "
                + table.path() + " stayed taken (readers registering, or tools counting readers); run it again");
      }
      Thread.onSpinWait();
    }
  }

  private CompactionReport run(long bytesBefore) throws IOException {
    long pageCountBefore = pager.pageCount();
    Census census = census();
    long target = census.target();
    if (census.movableAtOrPast(target) > 0) {
      if (!pager.committedPendingList().pendingRuns().isEmpty()) {
        // The last commit's frees stay pending until the next commit is durable: one that moves
        // nothing makes them free, and the first round places pages there.
        rewriteRecord(pager.pageCount());
      }
      moveBelow(target, census);
      census = census();
    }
    long newPageCount = Math.max(Format.FIRST_DATA_PAGE + 1, census.highestInUse + 1);
    if (census.movableAtOrPast(target) > 0) {
      notes.add(census.movableAtOrPast(target) + " page(s) that could move still lie at or past page " + target
          + ": no free page was left below it for them");
    }
    long bytesAfter = bytesBefore;
    if (newPageCount * pager.pageSize() < bytesBefore) {
      if (newPageCount < pager.pageCount() || recordsPast(newPageCount) != null) {
        newPageCount = shrink(newPageCount);
      }
      if (newPageCount > 0) {
        String problem = recordsPast(newPageCount);
        if (problem != null) {
          // Never expected: the two commits above make both records fit. The file stays whole.
          throw new IllegalStateException(problem + "; the file is left uncut");
        }
        pager.mappedFile().truncate(newPageCount);
        bytesAfter = pager.mappedFile().storage().size();
      }
    }
    return new CompactionReport(
        pager.describe(), pager.pageSize(), pageCountBefore, pager.pageCount(), bytesBefore, bytesAfter, moved,
        commits, census.highestInUse, census.owner(census.highestInUse), notes);
  }

  /**
   * Moves the movable pages at or past {@code target} below it, one commit per round: pages freed
   * by a round are pending until the next commit is durable, so what a round could not place low
   * (the pages it needed were pending) the next one moves again. Stops when nothing movable is left
   * at or past the target, or two rounds in a row brought no improvement.
   */
  private void moveBelow(long target, Census start) throws IOException {
    long left = start.movableAtOrPast(target);
    int stalled = 0;
    for (int round = 0; round < MAX_ROUNDS && left > 0 && stalled < 2; round++) {
      if (!relocationCommit(target)) {
        // The round needed more pages than were free and not pending: a commit that moves
        // nothing releases what earlier commits freed, and the next round has them.
        rewriteRecord(pager.pageCount());
      }
      long now = census().movableAtOrPast(target);
      stalled = now < left ? 0 : stalled + 1;
      left = now;
    }
  }

  /** One round: returns false when it needed a page no free one was left for (rolled back). */
  private boolean relocationCommit(long target) throws IOException {
    Map<String, Long> round = new LinkedHashMap<>();
    try (Transaction tx = pager.begin()) {
      round.put(OWN_NODES, (long) pager.txMoveOwnNodesFrom(target));
      Relocation relocation = new Relocation(pager, tx, target);
      for (PageRelocator relocator : relocators) {
        round.merge(relocator.describe(), relocator.relocate(relocation), Long::sum);
      }
      tx.commit();
    } catch (GrowFailedException noRoom) {
      return false;
    }
    commits++;
    round.forEach((owner, count) -> moved.merge(owner, count, Long::sum));
    return true;
  }

  /**
   * Commits the smaller page count twice, so that both metadata copies count it (FORMAT.md,
   * "Compaction"): with nothing pinned, the first releases every page the commits before it freed,
   * so neither record lists a pending page past the new end. Should the first need a page none is
   * free for below the new count (to cut the pending list's chain), the count grows by a few pages
   * and it tries again.
   *
   * @return the page count both records name, or -1 when the first commit found no room
   */
  private long shrink(long newPageCount) throws IOException {
    long count = newPageCount;
    for (int attempt = 0; ; attempt++) {
      try {
        rewriteRecord(count);
        break;
      } catch (GrowFailedException noRoom) {
        if (attempt == 3 || count + 8 >= pager.pageCount()) {
          notes.add("the page count could not shrink: the commit that shrinks it needed more free pages;"
              + " the file is left uncut");
          return -1;
        }
        count += 8;
      }
    }
    rewriteRecord(count);
    return count;
  }

  /** A commit whose record names {@code pageCount} pages and changes nothing else it need not. */
  private void rewriteRecord(long pageCount) throws IOException {
    try (Transaction tx = pager.begin()) {
      pager.txShrinkTo(pageCount);
      tx.commit();
    }
    commits++;
  }

  /**
   * Checks, reading the metadata pages back, what the cut must not break: both copies valid, and
   * nothing either reaches (a page in use in its tree, a pending page, a chain page) at or past
   * {@code pageCount}. With these, either copy opens after the cut.
   *
   * @return what reaches past it, or null when nothing does
   */
  private @Nullable String recordsPast(long pageCount) throws IOException {
    MappedFile file = pager.mappedFile();
    MetadataCopies copies = MetadataCopies.read(file);
    for (int slot = (int) Format.METADATA_A_PAGE; slot <= Format.METADATA_B_PAGE; slot++) {
      MetadataCopies.Copy copy = copies.copy(slot);
      String which = file.describe() + ": metadata copy " + PageFileOpener.slotName(slot);
      if (!copy.valid()) {
        return which + " is not valid (" + copy.problem() + ")";
      }
      MetadataRecord record = copy.requireRecord();
      CopyOnWriteTree bits =
          new CopyOnWriteTree(
              file, TreeGeometry.of(file.pageSize()), new NodeCache(), record.treeRoot, record.treeRootCrc,
              record.treeHeight);
      long past = bits.nextSetOrExcluded(pageCount, bits.capacity(), CopyOnWriteTree.Exclusion.NONE);
      if (record.pageCount > pageCount || past >= 0) {
        return which + " (generation " + record.generation + ") counts " + record.pageCount + " pages"
            + (past >= 0 ? " and uses page " + past : "") + ", past " + pageCount;
      }
      try {
        // Its chain pages and runs lie below its page count, or this throws.
        PendingList.read(file, record);
      } catch (PageFileException e) {
        return which + ": " + e.getMessage();
      }
    }
    return null;
  }

  /** Who owns what, as of the last commit. */
  private Census census() throws IOException {
    Set<Long> own = pager.ownPages();
    Map<Long, String> movable = new java.util.HashMap<>();
    for (PageRelocator relocator : relocators) {
      relocator.forEachMovablePage(page -> movable.put(page, relocator.describe()));
    }
    Census census = new Census(own, movable);
    pager.forEachPageInUse(census::inUse);
    return census;
  }

  /** The pages in use of one commit, sorted by who may move them. */
  private static final class Census {
    final Set<Long> own;
    final Map<Long, String> movable;

    /** The pages in use that may move: the pager's own and those a relocator claims. */
    final List<Long> mobile = new ArrayList<>();
    long highestFixed = Format.FIRST_DATA_PAGE - 1;
    long highestInUse = Format.FIRST_DATA_PAGE - 1;

    Census(Set<Long> own, Map<Long, String> movable) {
      this.own = own;
      this.movable = movable;
    }

    void inUse(long page) {
      if (page < Format.FIRST_DATA_PAGE) {
        return;
      }
      highestInUse = Math.max(highestInUse, page);
      if (own.contains(page) || movable.containsKey(page)) {
        mobile.add(page);
      } else {
        highestFixed = Math.max(highestFixed, page);
      }
    }

    /** The first page past every page that stays where it is: where the file could end. */
    long target() {
      return Math.max(Format.FIRST_DATA_PAGE + 1, highestFixed + 1);
    }

    long movableAtOrPast(long target) {
      return mobile.stream().filter(page -> page >= target).count();
    }

    String owner(long page) {
      if (own.contains(page)) {
        return CompactionReport.OWN_PAGE;
      }
      String relocator = movable.get(page);
      return relocator != null ? relocator : CompactionReport.USER_PAGE;
    }
  }
}
