/// Bounded selection of the k best (score, row) pairs. The worst kept entry sits
/// at the root of a binary min-heap so a scan compares each score against one
/// number. Equal scores are ordered by key (smaller key ranks higher), which makes
/// results independent of row order, thread split and insertion history.
struct TopK {
    let k: Int
    private(set) var scores: [Float] = []
    private(set) var rows: [Int32] = []

    init(k: Int) {
        self.k = max(0, k)
        scores.reserveCapacity(self.k)
        rows.reserveCapacity(self.k)
    }

    var isFull: Bool { scores.count >= k }

    /// Scores strictly below this cannot enter; equal scores need `accepts`.
    var threshold: Float { isFull ? (k == 0 ? .infinity : scores[0]) : -.infinity }

    /// a ranks below b.
    @inline(__always)
    static func ranksBelow(_ sa: Float, _ ra: Int32, _ sb: Float, _ rb: Int32, keys: [String?]) -> Bool {
        if sa != sb { return sa < sb }
        return keys[Int(ra)]! > keys[Int(rb)]!
    }

    /// Whether (score,row) would be kept; call before expensive filters.
    @inline(__always)
    func accepts(score: Float, row: Int32, keys: [String?]) -> Bool {
        if !isFull { return k > 0 }
        return TopK.ranksBelow(scores[0], rows[0], score, row, keys: keys)
    }

    mutating func insert(score: Float, row: Int32, keys: [String?]) {
        if !isFull {
            scores.append(score)
            rows.append(row)
            siftUp(scores.count - 1, keys: keys)
        } else {
            scores[0] = score
            rows[0] = row
            siftDown(0, keys: keys)
        }
    }

    private mutating func siftUp(_ start: Int, keys: [String?]) {
        var i = start
        while i > 0 {
            let p = (i - 1) / 2
            guard TopK.ranksBelow(scores[i], rows[i], scores[p], rows[p], keys: keys) else { break }
            scores.swapAt(i, p)
            rows.swapAt(i, p)
            i = p
        }
    }

    private mutating func siftDown(_ start: Int, keys: [String?]) {
        var i = start
        let n = scores.count
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < n, TopK.ranksBelow(scores[l], rows[l], scores[m], rows[m], keys: keys) { m = l }
            if r < n, TopK.ranksBelow(scores[r], rows[r], scores[m], rows[m], keys: keys) { m = r }
            if m == i { return }
            scores.swapAt(i, m)
            rows.swapAt(i, m)
            i = m
        }
    }

    /// Best first.
    func sorted(keys: [String?]) -> [(score: Float, row: Int32)] {
        zip(scores, rows).map { (score: $0.0, row: $0.1) }.sorted {
            TopK.ranksBelow($1.score, $1.row, $0.score, $0.row, keys: keys)
        }
    }
}
