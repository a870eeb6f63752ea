import Foundation
import PaperStore
import StoreContract
import Testing

/// The store contract (Tests/StoreContract) against SQLite, in memory and in a data folder on disk.
@Suite("Store contract: SQLite")
struct SQLiteContractTests {
    @Test(arguments: StoreContract.checks)
    func inMemory(_ check: StoreContractCheck) async throws {
        try await check.run { try SQLitePaperStore.inMemory() }
    }

    @Test(arguments: StoreContract.checks)
    func onDisk(_ check: StoreContractCheck) async throws {
        try await check.run {
            try SQLitePaperStore.open(
                directory: FileManager.default.temporaryDirectory.appendingPathComponent(
                    "paperboy-store-\(UUID().uuidString)"))
        }
    }
}
