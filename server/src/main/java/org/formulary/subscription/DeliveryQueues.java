package org.formulary.subscription;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.commons.lang3.concurrent.BasicThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers notifications in the background, off the writers' threads, with retries.
 *
 * <p>Each Subscription has its own queue, delivered in order, one notification at a time: a notification is tried
 * up to {@code attempts} times, waiting {@code retryDelay} before the second attempt and doubling the wait before
 * each further one (capped at {@link #MAX_DELAY}); the next notification of that Subscription waits meanwhile, so a
 * receiver never sees an older version after a newer one. When the last attempt fails, {@link FailureHandler} is
 * told (it sets the Subscription to {@code error}). A notification whose Subscription is no longer active when its
 * turn comes (set to error or off, or deleted) is dropped.
 *
 * <p>Bounded: {@link #THREADS} daemon threads for every Subscription together, at most {@link #MAX_QUEUED}
 * notifications waiting per Subscription (more are dropped with a warning); the queue of a Subscription is a small
 * object kept for the life of the process. {@link #close()} stops delivery at once, interrupting attempts under
 * way; what is still queued is lost (there is no durable outbox). Thread-safe.
 */
final class DeliveryQueues implements AutoCloseable {

    /** Delivery threads shared by all Subscriptions. */
    static final int THREADS = 4;
    /** Notifications that may wait per Subscription. */
    static final int MAX_QUEUED = 1000;
    /** The longest wait between two attempts. */
    static final Duration MAX_DELAY = Duration.ofMinutes(5);

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryQueues.class);

    /** Told when a notification could not be delivered in any of its attempts. */
    @FunctionalInterface
    interface FailureHandler {
        /**
         * @param notification the notification given up on
         * @param attempts how many attempts were made
         * @param lastFailure what went wrong in the last attempt
         */
        void failed(Notification notification, int attempts, String lastFailure);
    }

    private final RestHookSender sender;
    private final int attempts;
    private final Duration retryDelay;
    private final Predicate<String> stillActive;
    private final FailureHandler onFailure;
    private final ScheduledThreadPoolExecutor executor;
    private final Map<String, Lane> lanes = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * @param sender makes one attempt
     * @param attempts attempts per notification, at least 1
     * @param retryDelay wait before the second attempt
     * @param stillActive whether the Subscription of this id is still active
     * @param onFailure told about each notification given up on
     */
    DeliveryQueues(RestHookSender sender, int attempts, Duration retryDelay, Predicate<String> stillActive,
            FailureHandler onFailure) {
        this.sender = sender;
        this.attempts = attempts;
        this.retryDelay = retryDelay;
        this.stillActive = stillActive;
        this.onFailure = onFailure;
        this.executor = new ScheduledThreadPoolExecutor(THREADS,
                BasicThreadFactory.builder().namingPattern("subscription-delivery-%d").daemon(true).build());
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    /** Queues {@code notification} behind the earlier ones of its Subscription; never blocks. */
    void submit(Notification notification) {
        if (closed) {
            return;
        }
        Lane lane = lanes.computeIfAbsent(notification.subscription().id(), id -> new Lane());
        if (!lane.offer(notification)) {
            LOG.warn("Subscription/{}: {} notifications are already waiting; dropped the notification of {}",
                    notification.subscription().id(), MAX_QUEUED, notification.resource());
        }
    }

    /** The wait before attempt {@code attempt} (2 or more): retryDelay, then doubling, capped. */
    Duration delayBefore(int attempt) {
        int doublings = Math.min(attempt - 2, 30);
        long millis = retryDelay.toMillis() * (1L << doublings);
        return millis <= 0 || millis > MAX_DELAY.toMillis() ? MAX_DELAY : Duration.ofMillis(millis);
    }

    /** Stops delivering: running attempts are interrupted, queued notifications are dropped. */
    @Override
    public void close() {
        closed = true;
        executor.shutdownNow();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.warn("Subscription delivery threads did not stop within 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void schedule(Runnable task, Duration delay) {
        try {
            executor.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closing: the notification is dropped
        }
    }

    /** The ordered queue of one Subscription; the head is the notification being delivered. */
    private final class Lane {
        private final Deque<Notification> queue = new ArrayDeque<>();
        private boolean busy;

        synchronized boolean offer(Notification notification) {
            if (queue.size() >= MAX_QUEUED) {
                return false;
            }
            queue.addLast(notification);
            if (!busy) {
                busy = true;
                schedule(() -> attempt(notification, 1), Duration.ZERO);
            }
            return true;
        }

        private void attempt(Notification notification, int attempt) {
            if (closed) {
                return;
            }
            String subscription = "Subscription/" + notification.subscription().id();
            if (!stillActive.test(notification.subscription().id())) {
                LOG.debug("{} is no longer active; dropped the notification of {}", subscription,
                        notification.resource());
                next();
                return;
            }
            Optional<String> failure;
            try {
                failure = sender.send(notification);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                failure = Optional.of(e.toString());
            }
            if (failure.isEmpty()) {
                LOG.debug("{}: delivered the notification of {} (attempt {})", subscription, notification.resource(),
                        attempt);
                next();
            } else if (attempt >= attempts) {
                LOG.warn("{}: gave up on the notification of {} after {} attempts: {}", subscription,
                        notification.resource(), attempt, failure.get());
                try {
                    onFailure.failed(notification, attempt, failure.get());
                } catch (RuntimeException e) {
                    LOG.warn("{}: could not record the delivery failure", subscription, e);
                }
                next();
            } else {
                Duration delay = delayBefore(attempt + 1);
                LOG.info("{}: attempt {} of {} to deliver {} failed ({}); next attempt in {} ms", subscription, attempt,
                        attempts, notification.resource(), failure.get(), delay.toMillis());
                schedule(() -> attempt(notification, attempt + 1), delay);
            }
        }

        private void next() {
            Notification head;
            synchronized (this) {
                queue.pollFirst();
                head = queue.peekFirst();
                if (head == null) {
                    busy = false;
                    return;
                }
            }
            schedule(() -> attempt(head, 1), Duration.ZERO);
        }
    }
}
