package io.github.pager.cli;

/**
 * The exit codes of the {@code pager} command, one per kind of outcome, so scripts can tell a
 * damaged file from a missing one without parsing messages.
 */
public final class ExitCode {
  private ExitCode() {}

  /** All is well. */
  public static final int OK = 0;

  /**
   * The command ran and found problems (verify), or could not finish (demo, bench), or refused a
   * repair that would not be safe (rollback).
   */
  public static final int PROBLEMS = 1;

  /** The command line could not be understood. */
  public static final int USAGE = 2;

  /** The file does not exist. */
  public static final int NOT_FOUND = 3;

  /** The file is not a page file, or was written by a newer format version. */
  public static final int NOT_A_PAGE_FILE = 4;

  /** The file is a page file but damaged: corrupt superblock or metadata, or truncated. */
  public static final int CORRUPT = 5;

  /**
   * Another process has the file open for writing, or a reader could not register: a compaction
   * runs, or every slot of the reader table is taken. Trying again later may succeed.
   */
  public static final int LOCKED = 6;

  /** Reading or writing failed for another reason (permissions, I/O errors). */
  public static final int IO_ERROR = 7;

  /**
   * A writer in another process went on committing while the command read the file, and may
   * have reused pages the command read: what was read cannot be trusted, and nothing was
   * reported as damage. Running the command again reads the newest commit. (Until read-only
   * readers register with the writer, a long read of a busy file can end this way.)
   */
  public static final int STALE = 8;

  /** The file the command would create exists already ({@code copy} never overwrites). */
  public static final int EXISTS = 9;

  /**
   * The tool could not start: the {@code ./pager} launcher found no JDK 25 or newer, or could not
   * build the tool. Distinct from {@link #PROBLEMS}, so a script never takes a machine without a
   * JDK for a damaged file. The launcher uses this number; {@code LauncherTest} keeps the two
   * the same.
   */
  public static final int CANNOT_RUN = 10;
}
