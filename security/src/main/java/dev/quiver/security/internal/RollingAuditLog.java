package dev.quiver.security.internal;

import dev.quiver.security.AuditEvent;
import dev.quiver.security.AuditLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.RollingFileAppender;
import org.apache.logging.log4j.core.appender.rolling.CompositeTriggeringPolicy;
import org.apache.logging.log4j.core.appender.rolling.DirectWriteRolloverStrategy;
import org.apache.logging.log4j.core.appender.rolling.SizeBasedTriggeringPolicy;
import org.apache.logging.log4j.core.appender.rolling.TimeBasedTriggeringPolicy;
import org.apache.logging.log4j.core.appender.rolling.action.Action;
import org.apache.logging.log4j.core.appender.rolling.action.DeleteAction;
import org.apache.logging.log4j.core.appender.rolling.action.IfAccumulatedFileCount;
import org.apache.logging.log4j.core.appender.rolling.action.IfAccumulatedFileSize;
import org.apache.logging.log4j.core.appender.rolling.action.IfAny;
import org.apache.logging.log4j.core.appender.rolling.action.IfFileName;
import org.apache.logging.log4j.core.appender.rolling.action.PathCondition;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.layout.PatternLayout;

/**
 * Audit entries through Log4j2's rolling file appender: one JSON object per line in {@code
 * audit.<date>.log}, a new file per day or hour (on the first entry after the boundary), and only
 * the newest {@code max_log_files} kept. Lines are flushed as they are written. Thread-safe.
 */
public final class RollingAuditLog implements AuditLog {
  private static final Logger LOG = LogManager.getLogger(RollingAuditLog.class);
  private static final String LOGGER = "dev.quiver.audit";

  private final Path dir;
  private final LoggerContext context;
  private final Appender appender;
  private final org.apache.logging.log4j.core.Logger logger;

  private RollingAuditLog(Path dir, LoggerContext context, Appender appender) {
    this.dir = dir;
    this.context = context;
    this.appender = appender;
    this.logger = context.getLogger(LOGGER);
  }

  public static RollingAuditLog open(
      Path dir, AuditLog.Rotation rotation, int maxFiles, long maxFileBytes, long maxTotalBytes) {
    try {
      Files.createDirectories(dir);
      Path probe = Files.createTempFile(dir, ".probe", ".tmp");
      Files.delete(probe);
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot write the audit log directory " + dir + ": " + e.getMessage(), e);
    }
    LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
    Configuration config = ctx.getConfiguration();
    String base = dir.toAbsolutePath().toString();
    var delete =
        DeleteAction.createDeleteAction(
            base,
            false,
            1,
            false,
            null,
            new PathCondition[] {
              IfFileName.createNameCondition(
                  "audit.*.log",
                  null,
                  IfAny.createOrCondition(
                      new PathCondition[] {
                        IfAccumulatedFileCount.createFileCountCondition(Math.max(1, maxFiles)),
                        IfAccumulatedFileSize.createFileSizeCondition(Long.toString(maxTotalBytes))
                      }))
            },
            null,
            config);
    RollingFileAppender appender =
        RollingFileAppender.newBuilder()
            .setName("audit-" + System.identityHashCode(dir))
            .withFilePattern(base + "/audit.%d{" + rotation.datePattern() + "}.%i.log")
            .withPolicy(
                CompositeTriggeringPolicy.createPolicy(
                    TimeBasedTriggeringPolicy.newBuilder().withInterval(1).build(),
                    SizeBasedTriggeringPolicy.createPolicy(Long.toString(maxFileBytes))))
            .withStrategy(
                DirectWriteRolloverStrategy.newBuilder()
                    .withCustomActions(new Action[] {delete})
                    .withConfig(config)
                    .build())
            .setLayout(
                PatternLayout.newBuilder().withPattern("%m%n").withConfiguration(config).build())
            .setImmediateFlush(true)
            .setConfiguration(config)
            .build();
    if (appender == null) {
      throw new IllegalStateException("cannot open the audit log in " + dir);
    }
    appender.start();
    config.addAppender(appender);
    LoggerConfig lc =
        LoggerConfig.newBuilder()
            .withLoggerName(LOGGER)
            .withLevel(Level.INFO)
            .withAdditivity(false)
            .withConfig(config)
            .build();
    lc.addAppender(appender, Level.INFO, null);
    config.addLogger(LOGGER, lc);
    ctx.updateLoggers();
    LOG.info(
        "audit log in {} ({} rotation, files of at most {} MB, keeping {} files and {} MB)",
        dir,
        rotation.name().toLowerCase(Locale.ROOT),
        maxFileBytes >> 20,
        maxFiles,
        maxTotalBytes >> 20);
    return new RollingAuditLog(dir, ctx, appender);
  }

  @Override
  public void record(AuditEvent event) {
    logger.info(event.toJson());
  }

  @Override
  public boolean enabled() {
    return true;
  }

  @Override
  public Path directory() {
    return dir;
  }

  @Override
  public void close() {
    Configuration config = context.getConfiguration();
    config.removeLogger(LOGGER);
    context.updateLoggers();
    appender.stop();
  }
}
