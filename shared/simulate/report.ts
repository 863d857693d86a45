/** Builds the `--report FILE.html` page of a simulation (charts via shared/report). */
import type { Chart, Report, ReportSection } from '../report/types';
import type { CollusionResult, FlippingResult, InactiveResult, SimulationResult, WeightCopyingResult } from './result';

const epochsX = (n: number) => Array.from({ length: n }, (_, i) => i);

function settingsTable(r: SimulationResult): Chart {
  const s = r.settings;
  return {
    kind: 'table',
    title: 'Settings',
    columns: ['setting', 'value'],
    rows: [
      ['kind', r.kind],
      ['validators', s.validators],
      ['miners', s.miners],
      ['epochs', s.epochs],
      ['kappa (u16)', s.kappa_u16],
      ['kappa (fraction)', s.kappa],
      ['consensus', s.yuma3 ? 'yuma3' : 'classic'],
      ['liquid alpha', s.liquid_alpha],
      ['bonds moving average (ppm)', s.bonds_moving_average],
      ['bonds penalty (u16)', s.bonds_penalty_u16],
      ['tempo (blocks)', s.tempo],
      ['activity cutoff (blocks)', s.activity_cutoff],
      ['max allowed validators', s.max_allowed_validators],
      ['seed', s.seed],
    ],
  };
}

function collusionSections(r: CollusionResult): ReportSection[] {
  const kappa = r.settings.kappa;
  return [
    {
      title: 'Cheater incentive against colluding stake',
      text:
        `Colluding validators put all their weight on one garbage miner; honest validators weight miners by quality. ` +
        `Each point is a fresh ${r.settings.epochs}-epoch run; the value is the cheater's share of total incentive in the last epoch.` +
        (r.breaks_at !== null ? ` The cheater takes over at ${(r.breaks_at * 100).toFixed(1)}% colluding stake (kappa ${kappa.toFixed(4)}).` : ' The cheater never took over in this sweep.'),
      charts: [
        {
          kind: 'line',
          title: 'cheater share of incentive (last epoch)',
          x: r.points.map((p) => p.colluding_stake),
          series: [
            { name: 'cheater incentive share', values: r.points.map((p) => p.cheater_incentive_share) },
            { name: 'colluders dividend share', values: r.points.map((p) => p.colluder_dividend_share), dashed: true },
          ],
          xLabel: 'colluding stake (fraction of validator stake)',
          yLabel: 'share',
          yMin: 0,
          yMax: 1,
          vlines: [{ x: kappa, label: `kappa ${kappa.toFixed(3)}` }],
        },
        {
          kind: 'table',
          title: 'Sweep',
          columns: ['colluding stake', 'realised', 'colluders', 'cheater incentive share', 'colluder dividend share', 'dividend epochs to 50%', 'to 90%'],
          rows: r.points.map((p) => [p.colluding_stake, p.actual_colluding_stake, p.colluders, p.cheater_incentive_share, p.colluder_dividend_share, p.dividend_epochs_to_50, p.dividend_epochs_to_90]),
        },
      ],
    },
    {
      title: 'Over epochs',
      text: 'How the colluders\u2019 dividends build up with their bonds, per colluding stake (incentive itself has no memory: it follows consensus in the same epoch).',
      charts: [
        {
          kind: 'line',
          title: 'colluders\u2019 share of dividends per epoch',
          series: r.points.map((p) => ({ name: `${(p.colluding_stake * 100).toFixed(0)}%`, values: p.colluder_dividend_series })),
          xLabel: 'epoch',
          yLabel: 'share',
          yMin: 0,
          yMax: 1,
        },
        {
          kind: 'heatmap',
          title: 'cheater incentive share by epoch (rows: colluding stake)',
          values: r.points.map((p) => p.cheater_share_series),
          rowLabels: r.points.map((p) => `${(p.colluding_stake * 100).toFixed(0)}%`),
          colLabels: epochsX(r.settings.epochs).map(String),
          xLabel: 'epoch',
          yLabel: 'colluding stake',
          min: 0,
          max: 1,
        },
      ],
    },
  ];
}

function copyingSections(r: WeightCopyingResult): ReportSection[] {
  return [
    {
      title: 'Copier against its honest twin',
      text:
        'The copier sets last epoch\u2019s consensus as its weights (delay 0), or a consensus d epochs older (a commit-reveal-like delay d). ' +
        'Its twin has exactly the same stake and evaluates miners itself, with noise. Means over the second half of the run.',
      charts: [
        {
          kind: 'bar',
          title: 'mean dividends (u16 / 65535) by delay',
          categories: r.variants.map((v) => `delay ${v.delay}`),
          series: [
            { name: 'copier', values: r.variants.map((v) => v.copier_dividends) },
            { name: 'honest twin', values: r.variants.map((v) => v.twin_dividends) },
          ],
          yLabel: 'dividends',
        },
        {
          kind: 'table',
          title: 'Summary',
          columns: ['delay', 'copier dividends', 'twin dividends', 'copier / twin', 'copier vtrust', 'twin vtrust', 'other honest vtrust'],
          rows: r.variants.map((v) => [v.delay, v.copier_dividends, v.twin_dividends, v.dividend_ratio, v.copier_vtrust, v.twin_vtrust, v.honest_vtrust]),
        },
      ],
    },
    ...r.variants.map(
      (v): ReportSection => ({
        title: `Delay ${v.delay}: per epoch`,
        charts: [
          {
            kind: 'line',
            title: 'dividends',
            series: [
              { name: 'copier', values: v.copier_dividend_series },
              { name: 'honest twin', values: v.twin_dividend_series },
            ],
            xLabel: 'epoch',
            yLabel: 'dividends (u16 / 65535)',
          },
          {
            kind: 'line',
            title: 'validator trust',
            series: [
              { name: 'copier', values: v.copier_vtrust_series },
              { name: 'honest twin', values: v.twin_vtrust_series },
            ],
            xLabel: 'epoch',
            yLabel: 'validator trust',
            yMin: 0,
            yMax: 1,
          },
        ],
      }),
    ),
  ];
}

function inactiveSections(r: InactiveResult): ReportSection[] {
  const vl = [{ x: r.stop_epoch, label: 'stop' }, ...(r.inactive_from_epoch !== null ? [{ x: r.inactive_from_epoch, label: 'inactive' }] : [])];
  return [
    {
      title: 'Validators that stop setting weights',
      text:
        `Validators ${r.stopped_uids.join(', ')} (${(r.inactive_stake * 100).toFixed(1)}% of stake) stop at epoch ${r.stop_epoch}; ` +
        `they are inactive from epoch ${r.inactive_from_epoch ?? 'never'} (activity cutoff ${r.settings.activity_cutoff} blocks, ${r.settings.tempo + 1} blocks per epoch).`,
      charts: [
        {
          kind: 'line',
          title: 'stopped validators: dividends and bonds',
          series: [
            { name: 'dividend share', values: r.dividend_share_series },
            { name: 'share of bond mass', values: r.bond_share_series, dashed: true },
            { name: 'mean validator trust', values: r.vtrust_series },
            { name: 'active (1 = all, 0 = none)', values: r.active_series },
          ],
          xLabel: 'epoch',
          yLabel: 'share',
          yMin: 0,
          yMax: 1,
          vlines: vl,
        },
        {
          kind: 'table',
          title: 'Summary',
          columns: ['measure', 'value'],
          rows: [
            ['epochs until inactive', r.epochs_until_inactive],
            ['dividend share before', r.dividend_share_before],
            ['dividend share, last epoch', r.dividend_share_last],
            ['dividends: epochs to 50% of the drop', r.dividend_epochs_to_50],
            ['dividends: epochs to 90% of the drop', r.dividend_epochs_to_90],
            ['bond share before', r.bond_share_before],
            ['bond share, last epoch', r.bond_share_last],
            ['bonds: epochs to 50% of the drop', r.bond_epochs_to_50],
            ['bonds: epochs to 90% of the drop', r.bond_epochs_to_90],
          ],
        },
      ],
    },
  ];
}

function flippingSections(r: FlippingResult): ReportSection[] {
  return [
    {
      title: 'Miners flipping between honest and garbage',
      text: `Miners ${r.flipper_uids.join(', ')} switch every ${r.flip_every} epochs. Incentive follows consensus in the same epoch; bonds follow through the EMA.`,
      charts: [
        {
          kind: 'line',
          title: 'flippers: incentive share and bonds',
          series: [
            { name: 'incentive share', values: r.incentive_share_series },
            { name: 'mean stored bond (/65535)', values: r.bond_level_series, dashed: true },
            { name: 'honest phase', values: r.honest_series },
          ],
          xLabel: 'epoch',
          yLabel: 'level',
          yMin: 0,
          vlines: r.flips.map((f) => ({ x: f.epoch })),
        },
        {
          kind: 'table',
          title: 'Flips',
          columns: ['epoch', 'to', 'incentive epochs to 50%', 'to 90%', 'bond epochs to 50%', 'to 90%'],
          rows: r.flips.map((f) => [f.epoch, f.to, f.incentive_epochs_to_50, f.incentive_epochs_to_90, f.bond_epochs_to_50, f.bond_epochs_to_90]),
        },
      ],
    },
  ];
}

/** Report sections for several results (e.g. classic and yuma3 of one scenario) on one page. */
export function simulationReport(results: SimulationResult[], title?: string): Report {
  const sections: ReportSection[] = [];
  for (const r of results) {
    const prefix = results.length > 1 ? `[${r.settings.yuma3 ? 'yuma3' : 'classic'}] ` : '';
    const body =
      r.kind === 'collusion' ? collusionSections(r) : r.kind === 'weight-copying' ? copyingSections(r) : r.kind === 'inactive' ? inactiveSections(r) : flippingSections(r);
    for (const s of body) sections.push({ ...s, title: prefix + s.title });
    sections.push({ title: `${prefix}Settings`, charts: [settingsTable(r)] });
  }
  const r0 = results[0];
  return {
    title: title ?? `Simulation: ${r0.scenario} (${r0.kind})`,
    subtitle: 'subnet simulate: bit-exact Yuma epochs over synthetic validators and miners; seeded, no processes.',
    sections,
  };
}
