package io.github.pager.core;

import io.github.pager.core.storage.Storage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link PageFileRepair} will write to a page file, decided before anything is written:
 * a new superblock, a metadata record, both or nothing. {@link #actions()} says it in sentences
 * for a person to read before {@link #apply()} does it.
 *
 * <p>The plan holds the writer lock of its storage (taken while planning) until the storage is
 * closed, so no pager commits between the plan and its application; {@link #apply()} still checks
 * that both metadata pages hold the bytes the plan was made from.
 *
 * <p>Crash safety of {@link #apply()} (FORMAT.md, "Repair"): the record is written and synced
 * first, then the superblock, and each is one store that a CRC covers whole. A crash leaves every
 * piece either as it was or as planned, and every combination opens at the old state or the new
 * one; a file open refused before the repair stays refused until the superblock, last, is whole.
 */
public final class RepairPlan {
  /**
   * What a metadata copy looked like when the plan was made.
   *
   * @param name "A" or "B"
   * @param page 1 or 2
   * @param valid whether the record passes its own checks (magic, CRC, fields)
   * @param generation the record's generation; 0 when it is not valid
   * @param treeVerified whether its whole free-space tree and pending list check out
   * @param structuresVerified whether, besides, every structure the repair's {@link
   *     PageFileRepair.StructureCheck} knows checks out in its commit; false when its tree fails
   *     (the structures of a commit whose allocation state is damaged are not walked)
   * @param problems what is wrong with it, the tree's problems first, then the structures'; empty
   *     when nothing is
   */
  public record CopyState(
      String name,
      long page,
      boolean valid,
      long generation,
      boolean treeVerified,
      boolean structuresVerified,
      List<String> problems) {
    /** Keeps an unmodifiable copy of the problems. */
    public CopyState {
      problems = List.copyOf(problems);
    }
  }

  private final MappedFile file;
  private final MetadataCopies readCopies;
  private final @Nullable String superblockProblem;
  private final List<CopyState> copies;
  private final MetadataRecord chosen;
  private final int chosenSlot;
  private final @Nullable MetadataRecord toWrite;
  private final int targetSlot;
  private final List<String> actions;

  RepairPlan(
      MappedFile file,
      MetadataCopies readCopies,
      @Nullable String superblockProblem,
      List<CopyState> copies,
      CheckedCopy chosen,
      @Nullable MetadataRecord toWrite,
      int targetSlot,
      List<String> notes) {
    this.file = file;
    this.readCopies = readCopies;
    this.superblockProblem = superblockProblem;
    this.copies = List.copyOf(copies);
    this.chosen = chosen.record;
    this.chosenSlot = chosen.copy.slot();
    this.toWrite = toWrite;
    this.targetSlot = targetSlot;
    List<String> said = new ArrayList<>(notes);
    if (toWrite != null) {
      said.add("write the record of generation " + chosen.record.generation + " (copy "
          + PageFileOpener.slotName(chosenSlot) + ") into copy " + PageFileOpener.slotName(targetSlot) + " (page "
          + targetSlot + ") as generation " + toWrite.generation + ", replacing the record there, and sync it");
    }
    if (superblockProblem != null) {
      said.add("write a new superblock (page 0: format " + Format.FORMAT_VERSION + ", page size " + file.pageSize()
          + ") and sync it");
    }
    this.actions = List.copyOf(said);
  }

  /**
   * Returns the page size the plan found: the superblock's, or the records' when it was damaged.
   *
   * @return the page size in bytes
   */
  public int pageSize() {
    return file.pageSize();
  }

  /**
   * Returns what is wrong with the superblock, when something is.
   *
   * @return the problem, or empty when the superblock is whole
   */
  public Optional<String> superblockProblem() {
    return Optional.ofNullable(superblockProblem);
  }

  /**
   * Returns both metadata copies as found, A first.
   *
   * @return two copy states
   */
  public List<CopyState> copies() {
    return copies;
  }

  /**
   * Returns the name ("A" or "B") of the copy whose commit the file holds after the repair.
   *
   * @return the copy's name
   */
  public String chosenCopy() {
    return PageFileOpener.slotName(chosenSlot);
  }

  /**
   * Returns the generation of the commit the file holds after the repair, as it was numbered
   * when that commit was made.
   *
   * @return the generation
   */
  public long chosenGeneration() {
    return chosen.generation;
  }

  /**
   * Returns the generation open reports after the repair: the chosen commit's, or the new number
   * it is written under when it is not the newest copy.
   *
   * @return the generation
   */
  public long resultGeneration() {
    return toWrite != null ? toWrite.generation : chosen.generation;
  }

  /**
   * Tells whether the plan writes nothing: the file is already as a repair would leave it.
   *
   * @return true when {@link #apply()} would write nothing
   */
  public boolean writesNothing() {
    return superblockProblem == null && toWrite == null;
  }

  /**
   * Returns what the plan found and will do, one sentence each, in the order of the writes.
   *
   * @return the sentences; empty when there is nothing to do
   */
  public List<String> actions() {
    return actions;
  }

  /**
   * Writes what the plan says, in its order, syncing after each piece: first the record, then
   * the superblock. Writes nothing when {@link #writesNothing()}.
   *
   * @throws PageFileException when a metadata page changed since the plan was made
   * @throws IOException when a write or sync fails; the file then holds the old state or the new
   *     one, and running the repair again finishes it
   */
  public void apply() throws IOException {
    if (!readCopies.sameBytesAs(MetadataCopies.read(file))) {
      throw new PageFileException(file.describe() + ": the metadata pages changed since the repair was planned; plan again");
    }
    Storage storage = file.storage();
    if (toWrite != null) {
      // One store of a record its CRC covers whole, into the newest copy's page, never the chosen
      // copy's: torn, it fails its CRC and the chosen copy, untouched, is the newest valid one.
      toWrite.writeTo(file.page(targetSlot), file.pageSize(), storage.describe(), targetSlot);
      file.syncPage(targetSlot, SyncReason.REPAIR_RECORD);
    }
    if (superblockProblem != null) {
      // Last, as create writes it: while page 0 is still damaged, a file open refused stays
      // refused, so a crash before this point never shows a state between the old and the new.
      Superblock.current(file.pageSize()).writeTo(file.page(Format.SUPERBLOCK_PAGE), storage.describe());
      file.syncPage(Format.SUPERBLOCK_PAGE, SyncReason.REPAIR_SUPERBLOCK);
    }
  }
}
