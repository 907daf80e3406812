package io.github.pager.cli;

import io.github.pager.core.CompactionRefusedException;
import io.github.pager.core.CorruptPageFileException;
import io.github.pager.core.NotAPageFileException;
import io.github.pager.core.PageFileLockedException;
import io.github.pager.core.ReaderTableFullException;
import io.github.pager.core.RepairRefusedException;
import io.github.pager.core.StaleViewException;
import io.github.pager.core.UnsupportedFormatVersionException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import org.jspecify.annotations.Nullable;

/**
 * Turns what went wrong into an exit code, one line for a person, and a kind for a program: bad
 * input never shows a stack trace.
 */
final class Failures {
  private Failures() {}

  static int exitCode(Throwable failure) {
    return switch (failure) {
      case NoSuchFileException e -> ExitCode.NOT_FOUND;
      case NotAPageFileException e -> ExitCode.NOT_A_PAGE_FILE;
      case UnsupportedFormatVersionException e -> ExitCode.NOT_A_PAGE_FILE;
      case CorruptPageFileException e -> ExitCode.CORRUPT;
      case PageFileLockedException e -> ExitCode.LOCKED;
      case ReaderTableFullException e -> ExitCode.LOCKED; // a compaction, or every slot taken: try later
      case RepairRefusedException e -> ExitCode.PROBLEMS;
      case CompactionRefusedException e -> ExitCode.PROBLEMS;
      case StaleViewException e -> ExitCode.STALE;
      case FileAlreadyExistsException e -> ExitCode.EXISTS;
      case IOException e -> ExitCode.IO_ERROR;
      default -> ExitCode.PROBLEMS;
    };
  }

  /**
   * What went wrong as one word, the {@code error.kind} of {@link JsonEnvelope}: finer than the
   * exit code where one code covers several causes (4: {@code notAPageFile} or {@code
   * unsupportedFormatVersion}; 7: {@code permissionDenied} or {@code ioError}).
   */
  static String kind(Throwable failure) {
    return switch (failure) {
      case NoSuchFileException e -> "notFound";
      case NotAPageFileException e -> "notAPageFile";
      case UnsupportedFormatVersionException e -> "unsupportedFormatVersion";
      case CorruptPageFileException e -> "corrupt";
      case PageFileLockedException e -> "locked";
      case ReaderTableFullException e -> "locked";
      case RepairRefusedException e -> "refused";
      case CompactionRefusedException e -> "refused";
      case StaleViewException e -> "stale";
      case FileAlreadyExistsException e -> "exists";
      case AccessDeniedException e -> "permissionDenied";
      case IOException e -> "ioError";
      default -> "failed";
    };
  }

  /** The path the failure itself names (a missing file, an existing target), or null. */
  static @Nullable String path(Throwable failure) {
    return failure instanceof FileSystemException e ? e.getFile() : null;
  }

  /** The core's advice is for a program ("reopen"); a person runs the command again. */
  private static String stale(StaleViewException e) {
    String message = String.valueOf(e.getMessage());
    String advice = "; reopen to read the newest commit";
    return (message.endsWith(advice) ? message.substring(0, message.length() - advice.length()) : message)
        + "; run the command again to read the newest commit";
  }

  static String message(Throwable failure) {
    return switch (failure) {
      case NoSuchFileException e -> "no such file: " + e.getFile();
      case AccessDeniedException e -> "permission denied: " + e.getFile();
      // The JDK's own, without a reason, say nothing but the path: say what is wrong with it.
      case FileAlreadyExistsException e when e.getReason() == null -> e.getFile() + " exists already";
      case NotDirectoryException e when e.getReason() == null -> e.getFile() + " is not a directory";
      case StaleViewException e -> stale(e);
      default -> {
        String message = failure.getMessage();
        yield message == null || message.isBlank() ? failure.getClass().getSimpleName() : message;
      }
    };
  }
}
