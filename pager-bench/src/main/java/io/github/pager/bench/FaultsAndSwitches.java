package io.github.pager.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Page faults and context switches from {@code /proc}: the process's faults (every thread's; the
 * JVM's own are few once warm), the calling thread's context switches (a sync or a lock that
 * waits is a voluntary one, a preemption an involuntary one), and the voluntary switches of all
 * the process's threads. Linux only.
 *
 * @param minorFaults the process's minor faults
 * @param majorFaults the process's major faults
 * @param voluntary the calling thread's voluntary context switches
 * @param involuntary the calling thread's involuntary context switches
 * @param processVoluntary the voluntary context switches of every thread of the process
 */
record FaultsAndSwitches(long minorFaults, long majorFaults, long voluntary, long involuntary, long processVoluntary) {
  /** Reads the counts now. */
  static FaultsAndSwitches read() throws IOException {
    String stat = Files.readString(Path.of("/proc/self/stat"));
    // Fields after the command's closing parenthesis: state is field 3, minflt 10, majflt 12.
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    long[] own = switches(Path.of("/proc/thread-self/status"));
    long all = 0;
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
      for (Path task : tasks) {
        try {
          all += switches(task.resolve("status"))[0];
        } catch (IOException gone) {
          // the thread ended while listed
        }
      }
    }
    return new FaultsAndSwitches(Long.parseLong(fields[7]), Long.parseLong(fields[9]), own[0], own[1], all);
  }

  /** The voluntary and involuntary switches a {@code status} file lists. */
  private static long[] switches(Path status) throws IOException {
    long[] counts = new long[2];
    for (String line : Files.readAllLines(status)) {
      if (line.startsWith("voluntary_ctxt_switches:")) {
        counts[0] = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
      } else if (line.startsWith("nonvoluntary_ctxt_switches:")) {
        counts[1] = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
      }
    }
    return counts;
  }
}
