import Foundation
import PaperStore
import Synchronization

/// Values read from the store for pages (feed queries, counts), kept while the store has not been written.
///
/// Every write through this process's store changes `writeGeneration()`, so a value is read again on the first
/// request after an upvote, comment, submission or import. A value older than `maximumAge` is read again too,
/// so that writes by another process (a `paperboy import` while serving) show within that time; when it reads
/// the same as before, the kept value stays (views built from it then compare equal by identity, cheaply).
final class StoreDerivedCache: Sendable {
    private struct Entry {
        var generation: Int64
        var loadedAt: ContinuousClock.Instant
        var value: any Sendable
    }

    private let entries = Mutex<[String: Entry]>([:])
    let maximumAge: Duration
    let capacity: Int

    init(maximumAge: Duration = .seconds(1), capacity: Int = 256) {
        self.maximumAge = maximumAge
        self.capacity = capacity
    }

    /// The value kept under `key`, or `load()`'s when the store changed since, it is too old, or `isValid`
    /// rejects it.
    func value<T: Sendable & Equatable>(
        _ key: String, store: any PaperStore, isValid: (T) -> Bool = { _ in true },
        load: () async throws -> T
    ) async throws -> T {
        // Read before loading: if a write ends while loading, the value is kept under the older generation and
        // the next request loads again; a value is never kept under a generation newer than its data.
        let generation = store.writeGeneration()
        let now = ContinuousClock.now
        let kept = entries.withLock { $0[key] }
        if let kept, kept.generation == generation, let value = kept.value as? T, isValid(value) {
            if now - kept.loadedAt < maximumAge { return value }
            // Old, but no write through this store since: one request reads again, and the others go on with the
            // kept value meanwhile (instead of all reading at once).
            let claimed = entries.withLock { entries -> Bool in
                guard var entry = entries[key], entry.generation == generation, entry.loadedAt == kept.loadedAt else {
                    return false
                }
                entry.loadedAt = now
                entries[key] = entry
                return true
            }
            if !claimed { return value }
        }
        let fresh = try await load()
        return entries.withLock { entries in
            var value = fresh
            if let old = entries[key]?.value as? T, old == fresh { value = old }
            if entries.count >= capacity, entries[key] == nil { entries.removeAll(keepingCapacity: true) }
            entries[key] = Entry(generation: generation, loadedAt: now, value: value)
            return value
        }
    }
}

/// Rendered feed pages: a page is rendered again only when its view differs from the one it was rendered from.
///
/// The view is complete (cards, counts, viewer, footer), so a kept page is exactly what rendering would give,
/// except for the visitor's CSRF token: pages are rendered with a mark in its place and the HTML kept in the
/// pieces between the marks, joined with each request's (escaped) token.
final class RenderedPageCache: Sendable {
    private struct Entry {
        var view: FeedPageView
        var parts: [String]
    }

    /// Stands for the CSRF token while rendering; random per process, so no paper or comment text contains it.
    static let csrfMark = "pbcsrf" + (0..<4).map { _ in String(UInt64.random(in: .min ... .max), radix: 16) }.joined()

    private let entries = Mutex<[String: Entry]>([:])
    let capacity: Int

    init(capacity: Int = 64) {
        self.capacity = capacity
    }

    func html(_ view: FeedPageView, render: (FeedPageView) throws -> String) rethrows -> String {
        var marked = view
        marked.site.csrf = Self.csrfMark
        let key = view.here + "\n" + (view.site.viewer ?? "")
        let kept = entries.withLock { $0[key] }
        let parts: [String]
        if let kept, kept.view == marked {
            parts = kept.parts
        } else {
            parts = try render(marked).components(separatedBy: Self.csrfMark)
            entries.withLock { entries in
                if entries.count >= capacity, entries[key] == nil { entries.removeAll(keepingCapacity: true) }
                entries[key] = Entry(view: marked, parts: parts)
            }
        }
        return parts.joined(separator: HTMLText.escape(view.site.csrf))
    }
}

/// Feed entries with their cards (built once per read: the teaser cut is not free). A card's `isNew` depends on
/// the time, so it is set when a page is built (`card(at:)`).
struct FeedCards: Sendable, Equatable {
    let entries: [FeedEntry]
    let cards: [CardView]
    /// When each entry was submitted (for `isNew`, without copying entries).
    let submittedAt: [Date]

    init(_ entries: [FeedEntry]) {
        self.entries = entries
        cards = entries.map { CardView(entry: $0, now: nil) }
        submittedAt = entries.map(\.submission.submittedAt)
    }

    var isEmpty: Bool { entries.isEmpty }

    /// The card of entry `index` as of `now`.
    func card(_ index: Int, at now: Date) -> CardView {
        var card = cards[index]
        card.isNew = CardView.isNew(submittedAt: submittedAt[index], now: now)
        return card
    }

    func cards(at now: Date) -> [CardView] {
        cards.indices.map { card($0, at: now) }
    }

    static func == (a: FeedCards, b: FeedCards) -> Bool { a.entries == b.entries }
}
