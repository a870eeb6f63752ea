import CVectorKernels
import Foundation
import PaperSupport

extension RecommendationIndex {
    /// Ranks the eligible candidates for one reader. See ARCHITECTURE.md ("Recommendations") for the model.
    public func recommend(
        _ signals: ReaderProfile, options: RecommendationOptions = RecommendationOptions()
    )
        -> RecommendationResult
    {
        let lo = options.minimumDay.map { firstRow(onOrAfter: $0) } ?? 0
        let hi = count
        var excludedRows = Set<Int>()
        for id in signals.excluded { if let r = row(of: id) { excludedRows.insert(r) } }
        for p in signals.positives { if let r = row(of: p.id) { excludedRows.insert(r) } }
        for p in signals.negatives { if let r = row(of: p.id) { excludedRows.insert(r) } }
        let followedAuthors = Set(signals.followedAuthors.map(AuthorKey.normalize).filter { !$0.isEmpty })
        let followedCategories = Set(signals.followedCategories.map { $0.lowercased() })
        let eligible = (lo..<hi).count - excludedRows.filter { $0 >= lo && $0 < hi }.count
        guard lo < hi, eligible > 0 else {
            return RecommendationResult(
                items: [], coldStart: signals.positives.isEmpty, usedEmbeddings: false, eligible: 0)
        }
        if signals.positives.isEmpty {
            return coldStart(
                signals, options: options, range: lo..<hi, excluded: excludedRows,
                followedAuthors: followedAuthors, followedCategories: followedCategories, eligible: eligible)
        }

        // The reader's papers as features: an indexed paper uses its row, others are analyzed now.
        func lexical(_ p: SignalPaper) -> SparseVector {
            if let r = row(of: p.id) { return row(r) }
            return features(title: p.title, abstract: p.abstract, categories: p.categories)
        }
        func vector(_ p: SignalPaper) -> [Float]? {
            if let v = p.vector, v.count == dimension { return Self.unit(v) }
            if let r = row(of: p.id), hasVector[r] { return Array(vectors[r * dimension..<(r + 1) * dimension]) }
            return nil
        }
        let positiveFeatures = signals.positives.map(lexical)
        let negativeFeatures = signals.negatives.map(lexical)
        let positiveVectors = dimension > 0 ? signals.positives.map(vector) : []
        let usable = positiveVectors.compactMap { $0 }
        let useEmbeddings = !usable.isEmpty && vectorCount > 0

        // Classifier: positives against explicit negatives and a seeded background sample of the window.
        var rng = SplitMix64(
            seed: signals.positives.reduce(0x5eed) { TermExtractor.combine($0, TermExtractor.hash($1.id)) })
        var background: [SparseVector] = []
        let window = hi - lo
        if window > 0 {
            var picked = Set<Int>()
            // Background papers are unlabeled, not rejected: from a small window they would be the very papers
            // to rank, so the sample is at most a tenth of the window, and none below 20.
            var wanted = min(options.backgroundSample, eligible / 10)
            if wanted < 20 { wanted = 0 }
            var attempts = 0
            while picked.count < wanted && attempts < wanted * 4 {
                attempts += 1
                let r = lo + Int(rng.next() % UInt64(window))
                if excludedRows.contains(r) || picked.contains(r) { continue }
                picked.insert(r)
            }
            background = picked.sorted().map { row($0) }
        }
        let weights = LinearSVM.train(
            positives: positiveFeatures, negatives: negativeFeatures + background, dimension: vocabularySize,
            cost: options.cost, passes: options.passes, rng: &rng)

        // Full scan over the window: classifier score and, with vectors, nearest-positive and centroid cosines.
        // Only the terms the model weighs, through their postings (from the first row of the window on).
        var lex = [Float](repeating: 0, count: window)
        let used = weights.indices.filter { weights[$0] != 0 }
        lex.withUnsafeMutableBufferPointer { out in
            postingRows.withUnsafeBufferPointer { rows in
                postingValues.withUnsafeBufferPointer { values in
                    for t in used {
                        let w = weights[t]
                        var a = termStart[t], b = termStart[t + 1]
                        if lo > 0 {
                            while a < b {
                                let m = (a + b) / 2
                                if Int(rows[m]) < lo { a = m + 1 } else { b = m }
                            }
                            b = termStart[t + 1]
                        }
                        for k in a..<b { out[Int(rows[k]) - lo] += w * values[k] }
                    }
                }
            }
        }
        if options.lexicalNearestWeight > 0 {
            // Max TF-IDF cosine to the latest 8 positives (the first given), one sparse gather per positive.
            var best = [Float](repeating: -1, count: window)
            var dense = [Float](repeating: 0, count: vocabularySize)
            for p in positiveFeatures.prefix(8) {
                for (t, v) in zip(p.terms, p.values) { dense[Int(t)] = v }
                dense.withUnsafeBufferPointer { w in
                    rowTerms.withUnsafeBufferPointer { terms in
                        rowValues.withUnsafeBufferPointer { values in
                            rowStart.withUnsafeBufferPointer { start in
                                for i in 0..<window {
                                    var s: Float = 0
                                    for k in start[lo + i]..<start[lo + i + 1] { s += w[Int(terms[k])] * values[k] }
                                    if s > best[i] { best[i] = s }
                                }
                            }
                        }
                    }
                }
                for t in p.terms { dense[Int(t)] = 0 }
            }
            func standardize(_ x: inout [Float]) {
                let n = Float(x.count)
                let mean = x.reduce(0, +) / n
                let sd = max(sqrt(x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n), 1e-9)
                for i in x.indices { x[i] = (x[i] - mean) / sd }
            }
            standardize(&lex)
            standardize(&best)
            for i in 0..<window {
                lex[i] = (1 - options.lexicalNearestWeight) * lex[i] + options.lexicalNearestWeight * best[i]
            }
        }
        var near = [Float](repeating: 0, count: useEmbeddings ? window : 0)
        var centroid = [Float](repeating: 0, count: useEmbeddings ? window : 0)
        if useEmbeddings {
            var mean = [Float](repeating: 0, count: dimension)
            for v in usable { for d in 0..<dimension { mean[d] += v[d] } }
            let meanUnit = Self.unit(mean) ?? usable[0]
            // At most 8 positives in the scan (the latest: the first given); explanations use all of them.
            let representatives = Array(usable.prefix(8))
            let flat = representatives.flatMap { $0 }
            let block = 256
            var scratch = [Float](repeating: 0, count: block)
            vectors.withUnsafeBufferPointer { base in
                flat.withUnsafeBufferPointer { reps in
                    meanUnit.withUnsafeBufferPointer { m in
                        scratch.withUnsafeMutableBufferPointer { tmp in
                            var start = lo
                            while start < hi {
                                let n = min(block, hi - start)
                                let rows = base.baseAddress! + start * dimension
                                cvk_dot_f32_batch(m.baseAddress!, rows, n, dimension, tmp.baseAddress!)
                                for j in 0..<n { centroid[start - lo + j] = tmp[j] }
                                for k in 0..<representatives.count {
                                    cvk_dot_f32_batch(
                                        reps.baseAddress! + k * dimension, rows, n, dimension, tmp.baseAddress!)
                                    if k == 0 {
                                        for j in 0..<n { near[start - lo + j] = tmp[j] }
                                    } else {
                                        for j in 0..<n where tmp[j] > near[start - lo + j] {
                                            near[start - lo + j] = tmp[j]
                                        }
                                    }
                                }
                                start += n
                            }
                        }
                    }
                }
            }
        }

        // Blend z-scores (over the eligible rows; a row without a vector scores the mean on vector parts).
        var isExcluded = [Bool](repeating: false, count: window)
        for r in excludedRows where r >= lo && r < hi { isExcluded[r - lo] = true }
        func zscore(_ values: inout [Float], valid: (Int) -> Bool) {
            var sum: Double = 0, squares: Double = 0, n = 0
            for i in values.indices where valid(i) && !isExcluded[i] {
                sum += Double(values[i]); squares += Double(values[i]) * Double(values[i]); n += 1
            }
            guard n > 0 else { return }
            let mean = sum / Double(n)
            let sd = max(sqrt(max(squares / Double(n) - mean * mean, 0)), 1e-9)
            for i in values.indices { values[i] = valid(i) ? Float((Double(values[i]) - mean) / sd) : 0 }
        }
        zscore(&lex) { _ in true }
        var score = lex
        if useEmbeddings {
            zscore(&near) { self.hasVector[lo + $0] }
            zscore(&centroid) { self.hasVector[lo + $0] }
            for i in 0..<window {
                score[i] =
                    options.lexicalWeight * lex[i] + options.nearestWeight * near[i] + options.centroidWeight
                    * centroid[i]
            }
        }
        var authorOf = [Int: String]()
        var categoryOf = [Int: String]()
        // Through the index's author and category lists, so the cost is the followed papers', not the window's.
        for name in followedAuthors {
            for r in rowsByAuthor[name] ?? [] where r >= lo && authorOf[r] == nil {
                if let a = followedAuthor(r, followedAuthors) {
                    score[r - lo] += options.followedAuthorBoost; authorOf[r] = a
                }
            }
        }
        for category in followedCategories {
            for r in rowsByCategory[category] ?? [] where r >= lo && categoryOf[r] == nil {
                score[r - lo] += options.followedCategoryBoost
                categoryOf[r] = categories[r].first { followedCategories.contains($0) }
            }
        }

        // Shortlist, then diversify: greedy, each pick penalizing candidates too similar to it.
        let shortlist = TopK.largest(score, k: max(options.shortlist, options.limit)) { !isExcluded[$0] }
            .map { (row: lo + $0.index, score: $0.score) }
        var remaining = shortlist
        var penalty = [Float](repeating: 0, count: remaining.count)
        let shortlistFeatures = remaining.map { row($0.row) }
        var picked: [(row: Int, score: Float, features: SparseVector)] = []
        var alive = Array(repeating: true, count: remaining.count)
        while picked.count < options.limit {
            var best = -1
            var bestScore = -Float.infinity
            for j in remaining.indices where alive[j] && remaining[j].score - penalty[j] > bestScore {
                best = j; bestScore = remaining[j].score - penalty[j]
            }
            guard best >= 0 else { break }
            alive[best] = false
            picked.append((remaining[best].row, bestScore, shortlistFeatures[best]))
            for j in remaining.indices where alive[j] {
                let a = remaining[best].row, b = remaining[j].row
                let byVectors = useEmbeddings && hasVector[a] && hasVector[b]
                let threshold = byVectors ? options.duplicateThreshold : options.lexicalDuplicateThreshold
                let s = similarity(a, b, shortlistFeatures[best], shortlistFeatures[j], useEmbeddings: byVectors)
                if s > threshold {
                    penalty[j] = max(penalty[j], options.diversityPenalty * (s - threshold) / max(1 - threshold, 1e-6))
                }
            }
        }
        remaining.removeAll()

        // Explanations.
        let items = picked.map { pick -> Recommendation in
            var because: SignalPaper.Reference?
            for (k, p) in signals.positives.enumerated() {
                let s: Float
                if useEmbeddings, hasVector[pick.row], let v = positiveVectors[k] {
                    s = v.withUnsafeBufferPointer { a in
                        vectors.withUnsafeBufferPointer {
                            cvk_dot_f32(a.baseAddress!, $0.baseAddress! + pick.row * dimension, dimension)
                        }
                    }
                } else {
                    s = SparseVector.dot(positiveFeatures[k], pick.features)
                }
                if because == nil || s > because!.similarity {
                    because = .init(id: p.id, title: p.title, similarity: s)
                }
            }
            let author = authorOf[pick.row]
            return Recommendation(
                id: ids[pick.row], title: titles[pick.row], score: pick.score,
                reason: author != nil ? .followedAuthor : .similar, becauseOf: because,
                terms: topTerms(pick.row, pick.features, weights, options.explanationTerms),
                followedAuthor: author, followedCategory: categoryOf[pick.row])
        }
        return RecommendationResult(items: items, coldStart: false, usedEmbeddings: useEmbeddings, eligible: eligible)
    }

    func followedAuthor(_ row: Int, _ followed: Set<String>) -> String? {
        guard !followed.isEmpty else { return nil }
        for (k, name) in normalizedAuthors[row].enumerated() where followed.contains(name) { return authors[row][k] }
        return nil
    }

    func similarity(_ a: Int, _ b: Int, _ fa: SparseVector, _ fb: SparseVector, useEmbeddings: Bool) -> Float {
        if useEmbeddings && hasVector[a] && hasVector[b] {
            return vectors.withUnsafeBufferPointer {
                cvk_dot_f32($0.baseAddress! + a * dimension, $0.baseAddress! + b * dimension, dimension)
            }
        }
        return SparseVector.dot(fa, fb)
    }

    /// The terms with the largest positive contribution to the classifier's score, as written in the paper.
    func topTerms(_ row: Int, _ features: SparseVector, _ weights: [Float], _ k: Int) -> [String] {
        guard k > 0 else { return [] }
        var contributions: [(term: Int32, value: Float)] = []
        for (t, v) in zip(features.terms, features.values) {
            let c = weights[Int(t)] * v
            if c > 0 { contributions.append((t, c)) }
        }
        contributions.sort { $0.value > $1.value }
        // The leading terms only, with room for those a bigram hides or an address holds: once all have their
        // text, the rest of the abstract need not be stemmed (a tenth of a 50-item answer's time otherwise).
        var wanted = [UInt64: Int]()
        for (rank, c) in contributions.prefix(max(4 * k, 12)).enumerated() {
            wanted[termHashes[Int(c.term)]] = rank
        }
        var display = [Int: String]()
        extractor.visitWhile(title: titles[row], abstract: abstracts[row], skippingAddresses: true) { hash, text in
            if let rank = wanted[hash], display[rank] == nil { display[rank] = text() }
            return display.count < wanted.count
        }
        // A bigram's words also count as its unigrams: show the bigram and skip unigrams it contains.
        var out: [String] = []
        for rank in display.keys.sorted() {
            let term = display[rank]!
            if out.contains(where: {
                $0.split(separator: " ").contains(Substring(term)) || term.split(separator: " ").contains(Substring($0))
            }) {
                continue
            }
            out.append(term)
            if out.count == k { break }
        }
        return out
    }

    /// No positives yet: followed authors' papers, then followed categories', then the caller's trending order,
    /// then the rest, newest first within each group.
    func coldStart(
        _ signals: ReaderProfile, options: RecommendationOptions, range: Range<Int>, excluded: Set<Int>,
        followedAuthors: Set<String>, followedCategories: Set<String>, eligible: Int
    ) -> RecommendationResult {
        var trendingRank = [Int: Int]()
        for (rank, id) in options.trending.enumerated() {
            if let r = row(of: id), range.contains(r), trendingRank[r] == nil { trendingRank[r] = rank }
        }
        struct Entry { var row: Int; var group: Int; var trending: Int; var author: String?; var category: String? }
        var entries: [Entry] = []
        for r in range where !excluded.contains(r) {
            let author = followedAuthor(r, followedAuthors)
            let category = categories[r].first(where: { followedCategories.contains($0) })
            let trending = trendingRank[r] ?? Int.max
            let group = author != nil ? 0 : category != nil ? 1 : trending != Int.max ? 2 : 3
            entries.append(Entry(row: r, group: group, trending: trending, author: author, category: category))
        }
        entries.sort {
            if $0.group != $1.group { return $0.group < $1.group }
            if $0.group == 2 { return $0.trending < $1.trending }
            if days[$0.row] != days[$1.row] { return days[$0.row] > days[$1.row] }
            if $0.trending != $1.trending { return $0.trending < $1.trending }
            return $0.row > $1.row
        }
        let items = entries.prefix(options.limit).enumerated().map { (rank, e) -> Recommendation in
            let reason: RecommendationReason = [.followedAuthor, .followedCategory, .trending, .recent][e.group]
            return Recommendation(
                id: ids[e.row], title: titles[e.row], score: Float(options.limit - rank), reason: reason,
                becauseOf: nil, terms: [], followedAuthor: e.author, followedCategory: e.category)
        }
        return RecommendationResult(items: items, coldStart: true, usedEmbeddings: false, eligible: eligible)
    }
}

/// L2-regularized, L2-loss linear SVM trained by dual coordinate descent (Hsieh et al. 2008, as in LIBLINEAR),
/// class costs balanced, no bias (a constant does not change a ranking).
enum LinearSVM {
    static func train(
        positives: [SparseVector], negatives: [SparseVector], dimension: Int, cost: Float, passes: Int,
        rng: inout SplitMix64
    ) -> [Float] {
        var w = [Float](repeating: 0, count: dimension)
        let examples = positives.map { ($0, Float(1)) } + negatives.map { ($0, Float(-1)) }
        guard !positives.isEmpty else { return w }
        if negatives.isEmpty {
            // Nothing to separate from: the positives' mean.
            for p in positives { for (t, v) in zip(p.terms, p.values) { w[Int(t)] += v / Float(positives.count) } }
            return w
        }
        let n = Float(examples.count)
        let costPositive = cost * n / (2 * Float(positives.count))
        let costNegative = cost * n / (2 * Float(negatives.count))
        var alpha = [Float](repeating: 0, count: examples.count)
        let diagonal = examples.map { 1 / (2 * ($0.1 > 0 ? costPositive : costNegative)) }
        let q = examples.indices.map { i in examples[i].0.values.reduce(Float(0)) { $0 + $1 * $1 } + diagonal[i] }
        var order = Array(examples.indices)
        for _ in 0..<max(1, passes) {
            order.shuffle(using: &rng)
            var maxProjected: Float = 0
            for i in order {
                let (x, y) = examples[i]
                var margin: Float = 0
                for (t, v) in zip(x.terms, x.values) { margin += w[Int(t)] * v }
                let g = y * margin - 1 + diagonal[i] * alpha[i]
                let projected = alpha[i] == 0 ? min(g, 0) : g
                maxProjected = max(maxProjected, abs(projected))
                guard abs(projected) > 1e-12 else { continue }
                let old = alpha[i]
                alpha[i] = max(old - g / q[i], 0)
                let step = (alpha[i] - old) * y
                for (t, v) in zip(x.terms, x.values) { w[Int(t)] += step * v }
            }
            if maxProjected < 1e-3 { break }
        }
        return w
    }
}

enum TopK {
    /// The k largest values with their indices, best first, among indices passing `include`.
    static func largest(_ values: [Float], k: Int, include: (Int) -> Bool) -> [(index: Int, score: Float)] {
        guard k > 0 else { return [] }
        // A min-heap of the best k seen.
        var heap: [(index: Int, score: Float)] = []
        heap.reserveCapacity(k)
        func less(_ a: (index: Int, score: Float), _ b: (index: Int, score: Float)) -> Bool {
            a.score != b.score ? a.score < b.score : a.index > b.index
        }
        func siftDown(_ start: Int) {
            var i = start
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < heap.count && less(heap[l], heap[m]) { m = l }
                if r < heap.count && less(heap[r], heap[m]) { m = r }
                if m == i { return }
                heap.swapAt(i, m); i = m
            }
        }
        for (i, v) in values.enumerated() where include(i) {
            let item = (index: i, score: v)
            if heap.count < k {
                heap.append(item)
                var c = heap.count - 1
                while c > 0 {
                    let p = (c - 1) / 2
                    if less(heap[c], heap[p]) { heap.swapAt(c, p); c = p } else { break }
                }
            } else if less(heap[0], item) {
                heap[0] = item
                siftDown(0)
            }
        }
        return heap.sorted { less($1, $0) }
    }
}
