"use client";

import { useQuery } from "@tanstack/react-query";
import { Card, ScrollX, Skeleton } from "@/components/ui";
import { api } from "@/lib/ui/api";
import { formatCredits, formatDate, shortAddress } from "@/lib/ui/format";

interface Customer {
  wallet: string;
  credits: number;
  purchased: number;
  consumed: number;
  calls: number;
  lastCallAt: string | null;
}
interface Entry {
  id: string;
  wallet: string;
  kind: string;
  delta: number;
  balanceAfter: number;
  createdAt: string;
}

/** Customers and ledger tables for one endpoint, each with its CSV export. */
export function EndpointReports({ slug }: { slug: string }) {
  const base = `/api/provider/endpoints/${slug}`;
  const customers = useQuery({
    queryKey: ["provider", "customers", slug],
    queryFn: () => api<{ customers: Customer[] }>(`${base}/customers?limit=50`),
  });
  const ledger = useQuery({
    queryKey: ["provider", "ledger", slug],
    queryFn: () => api<{ entries: Entry[] }>(`${base}/ledger?limit=50`),
  });
  const csv = (report: string) => (
    <a className="text-sm underline" href={`${base}/${report}?format=csv&limit=1000`}>
      Export CSV
    </a>
  );
  // Cells never wrap: on a phone the table scrolls sideways instead of stacking dates and
  // addresses over several lines.
  const th = "whitespace-nowrap py-1 pr-3 font-medium";
  const td = "whitespace-nowrap py-1.5 pr-3";
  return (
    <>
      <Card title="Customers" action={csv("customers")}>
        {customers.isLoading ? (
          <Skeleton className="h-16 w-full" />
        ) : !customers.data?.customers.length ? (
          <p className="text-sm">No customers yet.</p>
        ) : (
          <ScrollX label="Customers table">
            <table className="w-full text-left text-sm">
              <thead className="text-zinc-500 dark:text-zinc-400">
                <tr>
                  <th className={th}>Wallet</th>
                  <th className={`${th} text-right`}>Balance</th>
                  <th className={`${th} text-right`}>Bought</th>
                  <th className={`${th} text-right`}>Used</th>
                  <th className={`${th} text-right`}>Calls</th>
                  <th className={th}>Last call</th>
                </tr>
              </thead>
              <tbody>
                {customers.data.customers.map((c) => (
                  <tr key={c.wallet} className="border-t border-zinc-200 dark:border-zinc-800">
                    <td className={`${td} font-mono`} title={c.wallet}>
                      {shortAddress(c.wallet)}
                    </td>
                    <td className={`${td} text-right tabular-nums`}>{formatCredits(c.credits)}</td>
                    <td className={`${td} text-right tabular-nums`}>
                      {formatCredits(c.purchased)}
                    </td>
                    <td className={`${td} text-right tabular-nums`}>{formatCredits(c.consumed)}</td>
                    <td className={`${td} text-right tabular-nums`}>{formatCredits(c.calls)}</td>
                    <td className={td}>{c.lastCallAt ? formatDate(c.lastCallAt) : "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollX>
        )}
      </Card>
      <Card title="Ledger" action={csv("ledger")}>
        {ledger.isLoading ? (
          <Skeleton className="h-16 w-full" />
        ) : !ledger.data?.entries.length ? (
          <p className="text-sm">No ledger entries yet.</p>
        ) : (
          <ScrollX label="Ledger table">
            <table className="w-full text-left text-sm">
              <thead className="text-zinc-500 dark:text-zinc-400">
                <tr>
                  <th className={th}>When</th>
                  <th className={th}>Wallet</th>
                  <th className={th}>Kind</th>
                  <th className={`${th} text-right`}>Change</th>
                  <th className={`${th} text-right`}>Balance</th>
                </tr>
              </thead>
              <tbody>
                {ledger.data.entries.map((e) => (
                  <tr key={e.id} className="border-t border-zinc-200 dark:border-zinc-800">
                    <td className={td}>{formatDate(e.createdAt)}</td>
                    <td className={`${td} font-mono`} title={e.wallet}>
                      {shortAddress(e.wallet)}
                    </td>
                    <td className={td}>{e.kind}</td>
                    <td className={`${td} text-right tabular-nums`}>
                      {e.delta > 0 ? "+" : ""}
                      {formatCredits(e.delta)}
                    </td>
                    <td className={`${td} text-right tabular-nums`}>
                      {formatCredits(e.balanceAfter)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollX>
        )}
      </Card>
    </>
  );
}
