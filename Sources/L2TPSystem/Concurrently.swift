// SPDX-License-Identifier: GPL-2.0-only
// Runs blocking work on many short-lived threads at once: closing a TAP descriptor waits for the
// kernel to unregister the device (an RCU grace period, ~15 ms), and such waits overlap.

import Glibc
import Synchronization

/// A closure for a thread entry point (C function pointers cannot capture context).
private final class ThreadJob {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}

private func threadJobEntry(_ arg: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    Unmanaged<ThreadJob>.fromOpaque(arg!).takeRetainedValue().run()
    return nil
}

/// Calls `body` for every element, on up to `maxThreads` threads, and returns when all are done.
/// `body` must be safe to call concurrently.
public func concurrentlyForEach<T>(_ items: [T], maxThreads: Int = 256, _ body: @escaping (T) -> Void) {
    guard items.count > 1 else {
        items.forEach(body)
        return
    }
    let next = Atomic<Int>(0)
    let drain = {
        while true {
            let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
            guard i < items.count else { return }
            body(items[i])
        }
    }
    var threads: [pthread_t] = []
    for _ in 1..<min(maxThreads, items.count) {
        var tid = pthread_t()
        let job = Unmanaged.passRetained(ThreadJob(drain)).toOpaque()
        guard pthread_create(&tid, nil, threadJobEntry, job) == 0 else {
            Unmanaged<ThreadJob>.fromOpaque(job).release()
            break
        }
        threads.append(tid)
    }
    drain()  // the calling thread helps, and covers a failed pthread_create
    for t in threads { pthread_join(t, nil) }
}
