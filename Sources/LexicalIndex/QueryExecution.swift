/// A parsed query resolved against the index: term keys with their idf (a term's space, and so how its
/// postings score, is the first character of its key).
struct QueryPlan {
    struct WeightedTerm {
        var key: String
        var idf: Float
    }

    struct Constraint {
        var field: QueryField
        var terms: [WeightedTerm]
        var offsets: [Int]
    }

    var should: [WeightedTerm] = []
    var must: [Constraint] = []
    var mustNot: [Constraint] = []
}

/// Evaluates a plan over one segment, feeding a shared collector.
struct SegmentSearch {
    let segment: Segment
    let segmentIndex: Int
    let scorer: BM25Scorer
    let filter: SearchFilter
    let filterCategories: [String]
    let pruning: Bool
    private let postings: Postings
    private let postingScorer: PostingScorer

    init(
        segment: Segment, segmentIndex: Int, scorer: BM25Scorer, filter: SearchFilter, filterCategories: [String],
        pruning: Bool
    ) {
        self.segment = segment
        self.segmentIndex = segmentIndex
        self.scorer = scorer
        self.filter = filter
        self.filterCategories = filterCategories
        self.pruning = pruning
        postings = segment.postings
        postingScorer = PostingScorer(scorer, segment: segment)
    }

    private struct ClauseCursor {
        var cursor: PostingCursor
        var idf: Float
        var upperBound: Float
    }

    func run(_ plan: QueryPlan, into collector: inout TopKCollector) {
        // Exclusions whose terms are all present in this segment.
        var notClauses: [(Constraint: QueryPlan.Constraint, cursors: [PostingCursor])] = []
        for c in plan.mustNot {
            let lists = c.terms.compactMap { segment.terms[$0.key] }
            if lists.count == c.terms.count { notClauses.append((c, lists.map { PostingCursor($0, in: postings) })) }
        }
        var should: [ClauseCursor] = []
        for t in plan.should {
            guard let list = segment.terms[t.key] else { continue }
            let bounds = segment.impactBounds(list, scorer: postingScorer)
            guard bounds.maxImpact > 0 else { continue }
            should.append(
                ClauseCursor(
                    cursor: PostingCursor(list, in: postings, blockMaxImpacts: bounds.blocks), idf: t.idf,
                    upperBound: t.idf * bounds.maxImpact))
        }
        if plan.must.isEmpty {
            maxScore(&should, notClauses: &notClauses, into: &collector)
        } else {
            var must: [(constraint: QueryPlan.Constraint, cursors: [PostingCursor])] = []
            for c in plan.must {
                var cursors: [PostingCursor] = []
                for t in c.terms {
                    guard let list = segment.terms[t.key] else { return }  // a required term is missing here
                    cursors.append(PostingCursor(list, in: postings))
                }
                must.append((c, cursors))
            }
            // Category clauses only filter; with nothing else required, a hit must match some optional word.
            let requireShould = !plan.should.isEmpty && plan.must.allSatisfy { $0.field == .category }
            conjunctive(&must, should: &should, requireShould: requireShould, notClauses: &notClauses, into: &collector)
        }
    }

    // MARK: acceptance

    @inline(__always)
    private func accepts(
        _ doc: UInt32, notClauses: inout [(Constraint: QueryPlan.Constraint, cursors: [PostingCursor])]
    ) -> Bool {
        let d = Int(doc)
        if segment.deleted[d] { return false }
        if let range = filter.dayRange, !range.contains(segment.days[d]) { return false }
        if let hasCode = filter.hasCode, segment.hasCode[d] != hasCode { return false }
        if !filterCategories.isEmpty, !segment.categories(d).contains(where: filterCategories.contains) { return false }
        for i in notClauses.indices {
            var all = true
            for j in notClauses[i].cursors.indices {
                notClauses[i].cursors[j].advance(to: doc)
                if notClauses[i].cursors[j].doc != doc { all = false }
            }
            if all, matchesConstraint(notClauses[i].Constraint, cursors: notClauses[i].cursors) { return false }
        }
        return true
    }

    /// Field and phrase check for a document on which every cursor of the constraint is positioned.
    private func matchesConstraint(_ c: QueryPlan.Constraint, cursors: [PostingCursor]) -> Bool {
        if c.terms.count == 1 {
            let cur = cursors[0]
            switch c.field {
            case .title: return postings.titleFrequency(cur.posting) > 0
            case .abstract: return postings.abstractFrequency(cur.posting) > 0
            default: return true
            }
        }
        let positionLists = cursors.map { postings.decodePositions($0.list, posting: $0.index) }
        for start in positionLists[0] {
            switch c.field {
            case .title where start >= abstractPositionOffset: continue
            case .abstract where start < abstractPositionOffset: continue
            default: break
            }
            var ok = true
            for i in 1..<positionLists.count {
                let wanted = start &+ UInt32(c.offsets[i])
                if !positionLists[i].contains(wanted) { ok = false; break }
            }
            if ok { return true }
        }
        return false
    }

    @inline(__always)
    private func constraintScore(_ c: QueryPlan.Constraint, cursors: [PostingCursor], doc: Int) -> Float {
        var score: Float = 0
        for (i, cur) in cursors.enumerated() {
            let idf = c.terms[i].idf
            switch c.field {
            case .any, .author:
                score += idf * postingScorer.impact(cur.list, posting: cur.posting, doc: UInt32(doc))
            case .title:
                score +=
                    idf * scorer.parameters.titleWeight
                    * postingScorer.fieldImpact(
                        tf: postings.titleFrequency(cur.posting), norm: postingScorer.norms.title[doc])
            case .abstract:
                score +=
                    idf * scorer.parameters.abstractWeight
                    * postingScorer.fieldImpact(
                        tf: postings.abstractFrequency(cur.posting), norm: postingScorer.norms.abstract[doc])
            case .category:
                break
            }
        }
        return score
    }

    // MARK: strategies

    /// Required clauses: walk the shortest required list, check the others, add optional scores.
    private func conjunctive(
        _ must: inout [(constraint: QueryPlan.Constraint, cursors: [PostingCursor])],
        should: inout [ClauseCursor], requireShould: Bool,
        notClauses: inout [(Constraint: QueryPlan.Constraint, cursors: [PostingCursor])],
        into collector: inout TopKCollector
    ) {
        var leadClause = 0, leadTerm = 0, shortest = Int.max
        for (i, m) in must.enumerated() {
            for (j, c) in m.cursors.enumerated() where c.count < shortest {
                shortest = c.count
                leadClause = i
                leadTerm = j
            }
        }
        let lead = must[leadClause].cursors[leadTerm]
        let leadDocs = UnsafeBufferPointer(start: lead.docs, count: lead.count)
        if requireShould && should.isEmpty { return }
        candidates: for doc in leadDocs {
            var score: Double = 0
            for i in must.indices {
                for j in must[i].cursors.indices {
                    must[i].cursors[j].advance(to: doc)
                    if must[i].cursors[j].doc != doc { continue candidates }
                }
                if !matchesConstraint(must[i].constraint, cursors: must[i].cursors) { continue candidates }
            }
            guard accepts(doc, notClauses: &notClauses) else { continue }
            for m in must { score += Double(constraintScore(m.constraint, cursors: m.cursors, doc: Int(doc))) }
            var matchedShould = false
            for i in should.indices {
                should[i].cursor.advance(to: doc)
                if should[i].cursor.doc == doc {
                    score += Double(
                        should[i].idf
                            * postingScorer.impact(should[i].cursor.list, posting: should[i].cursor.posting, doc: doc))
                    matchedShould = true
                }
            }
            if requireShould && !matchedShould { continue }
            if Float(score) > collector.threshold {
                collector.offer(score: Float(score), segment: segmentIndex, doc: doc)
            }
        }
    }

    /// MaxScore (Turtle & Flood 1995): optional clauses sorted by their score upper bound; the lowest ones whose
    /// bounds together cannot beat the current k-th score are "non-essential" and only probed for candidates
    /// produced by the essential ones, and probing stops as soon as the remaining bounds cannot lift the
    /// candidate over the threshold. With `pruning == false` every clause stays essential (exhaustive scoring).
    private func maxScore(
        _ clauses: inout [ClauseCursor],
        notClauses: inout [(Constraint: QueryPlan.Constraint, cursors: [PostingCursor])],
        into collector: inout TopKCollector
    ) {
        guard !clauses.isEmpty else { return }
        clauses.sort { $0.upperBound < $1.upperBound }
        let m = clauses.count
        // Bounds are inflated slightly so float rounding in the summation can never prune a true top-k hit.
        var prefix = [Float](repeating: 0, count: m)
        var running: Float = 0
        for i in 0..<m {
            running += clauses[i].upperBound * 1.0001 + 1e-6
            prefix[i] = running
        }
        var firstEssential = 0
        func updateEssential(_ threshold: Float) {
            guard pruning else { return }
            while firstEssential < m, prefix[firstEssential] <= threshold { firstEssential += 1 }
        }
        updateEssential(collector.threshold)
        while firstEssential < m {
            if pruning && firstEssential == m - 1 {
                // One essential list left (typical once the heap fills): skip its blocks whose best posting,
                // plus everything the other lists could add, cannot beat the threshold (block-max pruning).
                let rest = m >= 2 ? Double(prefix[m - 2]) : 0
                let threshold = Double(collector.threshold)
                let idf = clauses[m - 1].idf
                let count = clauses[m - 1].cursor.count
                while clauses[m - 1].cursor.index < count {
                    let block = clauses[m - 1].cursor.index >> impactBlockShift
                    let bound = Double(idf * clauses[m - 1].cursor.blockMaxImpacts[block]) * 1.0001 + 1e-6 + rest
                    if bound > threshold { break }
                    clauses[m - 1].cursor.index = (block + 1) << impactBlockShift
                }
            }
            var doc = PostingCursor.exhausted
            for i in firstEssential..<m {
                let d = clauses[i].cursor.doc
                if d < doc { doc = d }
            }
            if doc == PostingCursor.exhausted { break }
            // Summing in Double is exact for these few Float terms, so the result does not depend on the order in
            // which clauses were visited and pruned results equal exhaustive ones bit for bit.
            var score: Double = 0
            for i in firstEssential..<m where clauses[i].cursor.doc == doc {
                score += Double(
                    clauses[i].idf
                        * postingScorer.impact(clauses[i].cursor.list, posting: clauses[i].cursor.posting, doc: doc))
                clauses[i].cursor.next()
            }
            let threshold = Double(collector.threshold)
            var i = firstEssential - 1
            while i >= 0 {
                if score + Double(prefix[i]) <= threshold { break }
                clauses[i].cursor.advance(to: doc)
                if clauses[i].cursor.doc == doc {
                    score += Double(
                        clauses[i].idf
                            * postingScorer.impact(clauses[i].cursor.list, posting: clauses[i].cursor.posting, doc: doc)
                    )
                }
                i -= 1
            }
            if i >= 0 || Float(score) <= collector.threshold { continue }
            guard accepts(doc, notClauses: &notClauses) else { continue }
            collector.offer(score: Float(score), segment: segmentIndex, doc: doc)
            updateEssential(collector.threshold)
        }
    }
}
