package io.github.pager.core;

import io.github.pager.core.storage.ReaderTable;
import io.github.pager.core.storage.Storage;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The explicit repairs of a page file: {@link #planRecover recover}, for a file that does not open
 * or opens only by falling back, and {@link #planRollback rollback}, which makes the alternate
 * metadata copy's commit current (as bbolt's revert-meta-page does). Each first plans, reading
 * only, and returns a {@link RepairPlan} that says what it will write; {@link RepairPlan#apply()}
 * writes it.
 *
 * <pre>{@code
 * try (Storage storage = FileStorage.open(path, false)) {
 *   RepairPlan plan = PageFileRepair.planRecover(storage, commit -> myLayers.verify(commit));
 *   plan.actions().forEach(System.out::println);
 *   plan.apply();
 * }
 * }</pre>
 *
 * <p>Planning takes the storage's writer lock, as a writing pager does, and refuses while a writer
 * or a registered reader in another process uses the file. A repair never writes a page any commit
 * reaches: it writes at most the superblock and the newest copy's metadata page (FORMAT.md,
 * "Repair").
 *
 * <p>What a repair checks of a commit before it makes it current: the whole free-space tree and
 * the pending list, which pager-core knows, and the structures under the root values, which it
 * does not: those the caller's {@link StructureCheck} walks (the command-line tool passes the
 * checks of {@code pager verify}).
 */
public final class PageFileRepair {
  /** How many pages a refusal names at most. */
  private static final int PAGES_NAMED = 8;

  /**
   * Checks the structures one commit holds under its root values (a layer's allocator, a
   * directory, a store, the root catalog and whatever it names), as a repair's judge of whether
   * that commit may be made current.
   *
   * <p>The repair calls it once for each valid metadata copy whose free-space tree and pending
   * list check out, with a read-only pager of exactly that copy's commit, whether or not it is the
   * newest: the file as the repair would leave it. The repair holds the writer lock meanwhile, so
   * nothing moves under the pager: it counts as a registered reader ({@link
   * Pager#isRegisteredReader()}), and a check that fails is damage, never a stale view. The pager
   * is closed when the check returns; the check must not keep it, its views or its snapshots, nor
   * call {@link Pager#refresh()}.
   */
  @FunctionalInterface
  public interface StructureCheck {
    /** Checks no structure: a commit is judged by its free-space tree and pending list alone. */
    StructureCheck NONE = commit -> List.of();

    /**
     * Checks every structure the commit holds that the caller knows.
     *
     * @param commit a read-only pager of the commit
     * @return every problem found, one sentence each naming where; empty when all is well
     * @throws IOException when a structure cannot be read; the repair takes it as a problem of
     *     the commit
     */
    List<String> problems(Pager commit) throws IOException;
  }

  private PageFileRepair() {}

  /**
   * Plans a recover that judges the metadata copies by their free-space trees and pending lists
   * alone ({@link StructureCheck#NONE}); see {@link #planRecover(Storage, StructureCheck)}.
   *
   * @param storage the file, writable; the plan holds its writer lock until it is closed
   * @return the plan
   * @throws IOException as {@link #planRecover(Storage, StructureCheck)} throws
   */
  public static RepairPlan planRecover(Storage storage) throws IOException {
    return planRecover(storage, StructureCheck.NONE);
  }

  /**
   * Plans the repair of a file that open refuses, opens only by falling back, or opens at a commit
   * whose structures fail: a new superblock when page 0 fails its checks, and, when the newest
   * valid metadata copy fails its checks while the older one passes them, the older copy's record
   * written as the newest.
   *
   * <p>Which copy it chooses: the newest valid copy that verifies whole, its free-space tree, its
   * pending list and its structures ({@code structures}). So when the newest copy's tree verifies
   * but one of its structures does not, while the older copy verifies whole, the older copy is
   * chosen and the plan says why: the newest commit points into pages that no longer hold what it
   * wrote, and the commit before is the last one known whole. When no copy verifies whole, the
   * newest copy whose tree verifies is chosen, and the plan says that its structures stay damaged:
   * a repair rewrites metadata, never a structure.
   *
   * @param storage the file, writable; the plan holds its writer lock until it is closed
   * @param structures checks the structures of each copy whose tree verifies
   * @return the plan; {@link RepairPlan#writesNothing()} when the file needs no repair
   * @throws NotAPageFileException when neither the superblock nor a metadata record says it is one
   * @throws UnsupportedFormatVersionException when a whole superblock names another version
   * @throws PageFileLockedException when a writer holds the file
   * @throws RepairRefusedException when a reader in another process reads the file, or the older
   *     copy's pages may have been rewritten
   * @throws CorruptMetadataException when no valid copy's tree checks out: nothing to recover to
   * @throws IOException when the file cannot be read
   */
  public static RepairPlan planRecover(Storage storage, StructureCheck structures) throws IOException {
    Found found = find(storage, structures);
    List<CheckedCopy> checked = found.checked;
    CheckedCopy chosen = first(checked, CheckedCopy::verified);
    List<String> notes = new ArrayList<>();
    if (chosen == null) {
      chosen = first(checked, CheckedCopy::treeVerified);
      if (chosen == null) {
        throw new CorruptMetadataException(
            storage.describe() + ": no metadata copy is valid with a tree that checks out, nothing to recover to. "
                + String.join(". ", found.problems()));
      }
      notes.add("no metadata copy's structures verify: " + chosen.describe() + " is the newest whose free-space"
          + " tree verifies; a repair rewrites metadata, not structures, so these stay as they are: "
          + String.join("; ", chosen.structureProblems()));
    }
    CheckedCopy newest = checked.get(0);
    if (chosen == newest) {
      return new RepairPlan(found.file, found.copies, found.superblockProblem, found.states(), chosen, null, 0, notes);
    }
    if (newest.treeVerified()) {
      notes.add("the newest copy, " + newest.describe() + ", has a free-space tree that verifies but structures"
          + " that do not: " + String.join("; ", newest.structureProblems()) + "; recover prefers "
          + chosen.describe() + ", the newest copy whose tree and structures both verify");
    } else {
      notes.add("the newest copy, " + newest.describe() + ", fails its checks: " + String.join("; ", newest.problems()));
    }
    requireSafe(storage, newest, chosen, notes);
    return rewrite(found, newest, chosen, notes);
  }

  private static @Nullable CheckedCopy first(List<CheckedCopy> newestFirst, Predicate<CheckedCopy> passes) {
    for (CheckedCopy copy : newestFirst) {
      if (passes.test(copy)) {
        return copy;
      }
    }
    return null;
  }

  /**
   * Plans a rollback that judges the alternate by its free-space tree and pending list alone
   * ({@link StructureCheck#NONE}); see {@link #planRollback(Storage, StructureCheck)}.
   *
   * @param storage the file, writable; the plan holds its writer lock until it is closed
   * @return the plan
   * @throws IOException as {@link #planRollback(Storage, StructureCheck)} throws
   */
  public static RepairPlan planRollback(Storage storage) throws IOException {
    return planRollback(storage, StructureCheck.NONE);
  }

  /**
   * Plans a rollback: the alternate metadata copy's commit, the one before the current, written
   * as the newest record, so that open uses it. Writes that record only: a file whose superblock
   * is damaged is refused (recover repairs it first).
   *
   * @param storage the file, writable; the plan holds its writer lock until it is closed
   * @param structures checks the structures of each copy whose tree verifies: the alternate's
   *     must verify
   * @return the plan
   * @throws RepairRefusedException when the superblock is damaged, there is no alternate, it is not
   *     valid, its tree or one of its structures fails its checks, it holds the same commit as the
   *     current copy, the current copy's pages would leave it unsafe, or a reader in another
   *     process reads the file
   * @throws NotAPageFileException when neither the superblock nor a metadata record says it is one
   * @throws PageFileLockedException when a writer holds the file
   * @throws IOException when the file cannot be read
   */
  public static RepairPlan planRollback(Storage storage, StructureCheck structures) throws IOException {
    Found found = find(storage, structures);
    String name = storage.describe();
    if (found.superblockProblem != null) {
      // A rollback writes one record and nothing else, so that a crash inside it leaves the old
      // state or the new one, and running it again either finishes it or says it is done.
      throw new RepairRefusedException(
          name + ": the superblock is damaged (" + found.superblockProblem + "); run recover first, then roll back");
    }
    if (found.checked.size() < 2) {
      MetadataCopies.Copy invalid = found.copies.copy((int) Format.METADATA_A_PAGE).valid()
          ? found.copies.copy((int) Format.METADATA_B_PAGE)
          : found.copies.copy((int) Format.METADATA_A_PAGE);
      throw new RepairRefusedException(
          name + ": no alternate to roll back to: copy " + PageFileOpener.slotName(invalid.slot()) + " (page "
              + invalid.slot() + ") is not valid: " + invalid.problem());
    }
    CheckedCopy current = found.checked.get(0);
    CheckedCopy alternate = found.checked.get(1);
    if (alternate.record.generation == current.record.generation
        || alternate.record.sameCommitAs(current.record, found.file.pageSize())) {
      throw new RepairRefusedException(
          name + ": both copies hold the same commit (generation " + alternate.record.generation
              + " as first made): there is no earlier commit to roll back to");
    }
    if (!alternate.verified()) {
      throw new RepairRefusedException(
          name + ": the alternate, " + alternate.describe() + ", fails its checks, so rolling back to it is not safe: "
              + String.join("; ", alternate.problems()));
    }
    List<String> notes = new ArrayList<>();
    notes.add("roll back from " + current.describe() + " to " + alternate.describe());
    requireSafe(storage, current, alternate, notes);
    return rewrite(found, current, alternate, notes);
  }

  /** The older copy's record, under a generation above every other, into the newest copy's page. */
  private static RepairPlan rewrite(Found found, CheckedCopy newest, CheckedCopy older, List<String> notes) {
    MetadataRecord record = older.record.withGeneration(found.copies.highestGeneration() + 1);
    return new RepairPlan(
        found.file, found.copies, found.superblockProblem, found.states(), older, record, newest.copy.slot(), notes);
  }

  /**
   * Refuses to make {@code older} current when the newer copy let pages it reaches be rewritten,
   * or when a reader in another process reads the file (its commit's pages would not be kept).
   */
  private static void requireSafe(Storage storage, CheckedCopy newer, CheckedCopy older, List<String> notes)
      throws IOException {
    ReaderTable readers = storage.readerTable();
    if (readers != null) {
      ReaderTable.Census census = readers.readersReclaimingDead();
      if (census.live() > 0) {
        throw new RepairRefusedException(
            storage.describe() + ": " + census.live() + " reader(s) in other processes read generation "
                + census.oldestGeneration() + " or newer; close them first: the repaired file would not keep"
                + " the pages they read");
      }
    }
    List<Long> unsafe = newer.unsafePagesOf(older, PAGES_NAMED);
    if (unsafe == null) {
      notes.add("the newest copy's pending list could not be read: whether a commit after "
          + older.describe() + " rewrote its pages cannot be checked; its tree was checked whole");
      return;
    }
    if (!unsafe.isEmpty()) {
      throw new RepairRefusedException(
          storage.describe() + ": " + older.describe() + " reaches pages that " + newer.describe()
              + " neither uses nor keeps pending, so a later commit may have rewritten them (pages " + unsafe
              + (unsafe.size() == PAGES_NAMED ? " and maybe more" : "") + "); only the commit just before the newest"
              + " is safe to return to");
    }
  }

  /** The file as found: page size, superblock, both copies, and every valid copy checked, newest first. */
  private record Found(
      MappedFile file, @Nullable String superblockProblem, MetadataCopies copies, List<CheckedCopy> checked) {
    List<RepairPlan.CopyState> states() {
      List<RepairPlan.CopyState> states = new ArrayList<>();
      for (int slot = (int) Format.METADATA_A_PAGE; slot <= Format.METADATA_B_PAGE; slot++) {
        MetadataCopies.Copy copy = copies.copy(slot);
        CheckedCopy check = checkOf(slot);
        if (check != null) {
          states.add(new RepairPlan.CopyState(
              PageFileOpener.slotName(slot), slot, true, check.record.generation, check.treeVerified(),
              check.verified(), check.problems()));
        } else {
          states.add(new RepairPlan.CopyState(
              PageFileOpener.slotName(slot), slot, false, 0, false, false, List.of(String.valueOf(copy.problem()))));
        }
      }
      return states;
    }

    List<String> problems() {
      List<String> problems = new ArrayList<>();
      for (RepairPlan.CopyState state : states()) {
        problems.add("copy " + state.name() + " (page " + state.page() + "): " + String.join("; ", state.problems()));
      }
      return problems;
    }

    private @Nullable CheckedCopy checkOf(int slot) {
      for (CheckedCopy check : checked) {
        if (check.copy.slot() == slot) {
          return check;
        }
      }
      return null;
    }
  }

  /**
   * Finds the page size (from the superblock, or from the records when it is damaged), takes the
   * writer lock, and checks both copies, their structures by {@code structures}. Reads only.
   */
  private static Found find(Storage storage, StructureCheck structures) throws IOException {
    String name = storage.describe();
    int pageSize = layout(storage).pageSize();
    // The lock only once the file is known to be a page file: a foreign file gets no lock file.
    if (!storage.tryLockForWriting()) {
      throw new PageFileLockedException(name + " is open for writing by another pager or process");
    }
    Layout layout = layout(storage);
    long size = storage.size();
    if (size < (Format.FIRST_DATA_PAGE + 1) * layout.pageSize()) {
      throw new TruncatedPageFileException(
          name + " is truncated: " + size + " bytes cannot hold the superblock, both metadata pages and a tree root of "
              + pageSize + " bytes each");
    }
    MappedFile file = new MappedFile(storage, layout.pageSize());
    file.mapExisting(size / layout.pageSize() * layout.pageSize());
    MetadataCopies copies = MetadataCopies.read(file);
    List<CheckedCopy> checked = new ArrayList<>();
    for (MetadataCopies.Copy copy : copies.validNewestFirst()) {
      checked.add(CheckedCopy.of(file, copy, copies.highestGeneration(), structures));
    }
    return new Found(file, layout.superblockProblem(), copies, checked);
  }

  private record Layout(int pageSize, @Nullable String superblockProblem) {}

  /**
   * The superblock's page size; when page 0 fails its checks (its magic included), the page size
   * the records name, with what was wrong. A whole superblock of another version is refused.
   */
  private static Layout layout(Storage storage) throws IOException {
    String name = storage.describe();
    long size = storage.size();
    if (size < Format.SB_LENGTH) {
      throw new NotAPageFileException(name + " is not a page file: it is only " + size + " bytes long");
    }
    MemorySegment head = storage.map(0, Math.min(size, 3L << Format.MAX_PAGE_SIZE_LOG2));
    byte[] sector = new byte[(int) Math.min(head.byteSize(), Format.SECTOR_SIZE)];
    PageFileException damage;
    try {
      PageFaults.read(head, 0, sector, sector.length, name, Format.SUPERBLOCK_PAGE, "superblock");
      return new Layout(Superblock.read(MemorySegment.ofArray(sector), name).pageSize(), null);
    } catch (NotAPageFileException | CorruptSuperblockException | UnreadablePageException e) {
      damage = e;
    }
    int pageSize = PageFileOpener.pageSizeFromRecords(head, name);
    if (pageSize == 0) {
      throw damage;
    }
    return new Layout(pageSize, damage.getMessage());
  }
}
