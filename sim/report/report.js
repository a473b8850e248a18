/* negsim report: draws the charts (Vega, svg renderer) and the replay from the JSON in
 * #negsim-data. Scenario strings reach the page only through textContent and Vega's text
 * marks, never as markup, and never inside a Vega expression (expressions here are constants;
 * data reaches them as datum fields or signal values).
 *
 * For the tests: <html data-report="rendered" data-report-errors="0" data-report-charts="N"
 * data-report-overflow="false" data-report-clipped-charts="0" data-report-overlapping-labels="0"
 * data-report-ms="T"> once every chart has rendered.
 */
(function () {
  'use strict';
  const root = document.documentElement;
  const errors = [];
  function noteError(message) {
    errors.push(String(message));
    root.setAttribute('data-report-errors', String(errors.length));
    if (window.console) console.error('negsim report:', message);
  }
  root.setAttribute('data-report', 'loading');
  root.setAttribute('data-report-errors', '0');
  window.addEventListener('error', (event) => noteError(event.message));
  window.addEventListener('unhandledrejection', (event) => noteError(event.reason && event.reason.message || event.reason));

  const data = JSON.parse(document.getElementById('negsim-data').textContent);

  const RESPONSES = ['support', 'aside', 'object'];
  const RESPONSE_FILLS = ['url(#negsim-fill-support)', 'url(#negsim-fill-aside)', 'url(#negsim-fill-object)'];
  const RESPONSE_SHAPES = ['circle', 'square', 'cross'];
  const RESPONSE_LABELS = {support: 'support', aside: 'stand aside', object: 'object'};
  // Okabe-Ito colours (safe for colour-blind readers), each bloc also with its own dash.
  const BLOC_COLOURS = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#7f7f7f', '#000000'];
  const BLOC_DASHES = [[], [7, 3], [2, 2], [9, 3, 2, 3], [1, 3], [12, 2], [4, 4], [3, 1]];
  const OUTCOMES = ['consensus', 'consensus_with_dissociations', 'adopted_over_objections', 'chairs_summary', 'vote', 'taken_note', 'no_consensus'];
  const OUTCOME_LABELS = {
    consensus: 'consensus', consensus_with_dissociations: 'consensus with dissociations',
    adopted_over_objections: 'adopted over objections', chairs_summary: "chair's summary", vote: 'vote',
    taken_note: 'taken note of', no_consensus: 'no consensus'
  };
  const OUTCOME_COLOURS = ['#009e73', '#56b4e9', '#cc79a7', '#e69f00', '#0072b2', '#7f7f7f', '#d55e00'];
  const OUTCOME_SHAPES = ['circle', 'square', 'diamond', 'triangle-up', 'triangle-down', 'triangle-right', 'cross'];

  const views = [];
  const pending = [];

  function byId(id) { return document.getElementById(id); }
  function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }
  function widthOf(container) { return Math.max(260, Math.floor(container.clientWidth || 600) - 2); }
  // One rendering of a number in every page (sim/report/format.js, the twin of negsim::format_decimal).
  const formatDecimal = window.negsimFormat.decimal;
  const formatPercent = window.negsimFormat.percent;

  function fixed2(value) { return formatDecimal(value, 2); }
  // Vega's expressions (tooltips, labels) use the same rule: decimal(x, 2), percent(x, 1).
  if (window.vega && vega.expressionFunction) {
    vega.expressionFunction('decimal', formatDecimal);
    vega.expressionFunction('percent', formatPercent);
    // decimalApart(x, a, b): x printed apart from a and b (a utility beside its thresholds).
    vega.expressionFunction('decimalApart', (value, first, second) => formatDecimal(value,
      Math.max(window.negsimFormat.placesApart(value, first), window.negsimFormat.placesApart(value, second))));
  }
  // The twin of wording() in sim/narrate.cpp: a paragraph's words without the value that
  // Issue::text_at adds between levels ('"A" (reached 0.25; draft at 0.48)' is worded "A"), so a
  // move within one level is "Moved", not "Reworded".
  function wording(text) {
    if (!text.endsWith(')') || text.indexOf('; draft at ') < 0) return text;
    const open = text.lastIndexOf(' (');
    return open < 0 ? text : text.slice(0, open);
  }
  // The twin of Issue::value_text: the value a paragraph's text shows after "draft at" (0.504
  // just above a level at 0.50), else two decimals, so the value line never reads otherwise.
  function valueText(text, value) {
    const found = /; draft at (-?[0-9.]+)\)$/.exec(text || '');
    return found ? found[1] : fixed2(value);
  }
  function joinNames(names) {
    if (names.length <= 1) return names.join('');
    return names.slice(0, -1).join(', ') + ' and ' + names[names.length - 1];
  }
  function mapOf(list, key, value) {
    const map = {};
    list.forEach((item) => { map[item[key]] = item[value]; });
    return map;
  }

  // Draws `spec` into `container`; `fit` keeps its width matched to the container.
  function draw(container, spec, fit) {
    if (!container) return null;
    try {
      if (fit) spec.width = widthOf(container);
      const view = new vega.View(vega.parse(spec), {renderer: 'svg', container: container, hover: true});
      views.push({view: view, container: container, fit: fit});
      pending.push(view.runAsync());
      return view;
    } catch (error) {
      noteError(error && error.message || error);
      return null;
    }
  }

  let resizeTimer = null;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      views.forEach((entry) => {
        if (entry.fit) entry.view.width(widthOf(entry.container)).runAsync();
      });
    }, 150);
  });

  const fitAutosize = {type: 'fit-x', contains: 'padding'};
  const titleStyle = (text) => ({text: text, anchor: 'start', fontSize: 14, offset: 8});

  // ------------------------------------------------------------------ run charts

  // Without blocs every line would share one colour and the legend say "Delegations": then each
  // delegation gets its own colour and dash, and the legends name delegations.
  const NO_BLOCS = data.kind === 'run' && data.blocs && data.blocs.length === 1 && data.blocs[0].id === '(none)' && data.delegations.length <= 12;
  const GROUP_FIELD = NO_BLOCS ? 'delegation' : 'bloc';
  const GROUP_TITLE = NO_BLOCS ? 'Delegation' : 'Bloc';
  const GROUP_NAMES = NO_BLOCS ? mapOf(data.delegations, 'id', 'name') : mapOf(data.blocs || [], 'id', 'name');
  function groupLegend() {
    return {stroke: 'colour', strokeDash: 'dash', title: GROUP_TITLE, orient: 'top', direction: 'horizontal', symbolType: 'stroke',
      // As many columns as the chart's width holds (four at most): more ran past a narrow chart's
      // edge, where Vega clips them, and a position chart showed its first bloc only.
      symbolStrokeWidth: 2.5, symbolSize: 400, labelLimit: {signal: 'min(220, width - 50)'},
      columns: {signal: 'max(1, min(4, floor(width / 270)))'},
      encode: {labels: {update: {text: {signal: 'groupNames[datum.value]'}}}}};
  }
  // A panel title as lines that fit `width` pixels (Vega clips a long single-line title).
  function titleLines(text, width) {
    const perLine = Math.max(12, Math.floor(width / 9));  // a bold 14px character is up to 9px wide
    const lines = [];
    let line = '';
    String(text).split(/\s+/).forEach((word) => {
      if (line && (line + ' ' + word).length > perLine) { lines.push(line); line = word; } else line = line ? line + ' ' + word : word;
    });
    if (line) lines.push(line);
    return lines.length > 1 ? lines : String(text);
  }

  function blocScales() {
    const ids = NO_BLOCS ? data.delegations.map((delegation) => delegation.id) : data.blocs.map((bloc) => bloc.id);
    return [
      {name: 'colour', type: 'ordinal', domain: ids, range: ids.map((_, j) => BLOC_COLOURS[j % BLOC_COLOURS.length])},
      {name: 'dash', type: 'ordinal', domain: ids, range: ids.map((_, j) => BLOC_DASHES[j % BLOC_DASHES.length])}
    ];
  }

  function roundDomain() {
    const last = data.rounds.length ? data.rounds[data.rounds.length - 1].round : 1;
    return [0.75, last + 0.25];
  }

  function sharesSpec(field, title, axisTitle, asShare) {
    const rows = data.shares.filter((row) => row[field] !== null);
    const bars = data.rounds.length < 3;  // an area over one or two rounds is a sliver
    const stacked = {name: 'rows', values: rows, transform: [
      {type: 'stack', groupby: ['round'], field: field, sort: {field: 'order'}},
      {type: 'formula', as: 'middle', expr: '(datum.y0 + datum.y1) / 2'},
      {type: 'formula', as: 'label', expr: "datum.response === 'aside' ? 'stand aside' : datum.response"}
    ]};
    const tooltip = {signal: asShare
      ? "{'Round': datum.round, 'Response': datum.label, 'Share of power': percent(datum.power, 0), 'Delegations': datum.count}"
      : "{'Round': datum.round, 'Response': datum.label, 'Delegations': datum.count}"};
    const marks = [];
    if (bars) {
      marks.push({type: 'rect', from: {data: 'rows'}, encode: {enter: {
        x: {scale: 'x', field: 'round'}, width: {scale: 'x', band: 1}, y: {scale: 'y', field: 'y1'}, y2: {scale: 'y', field: 'y0'},
        fill: {scale: 'fill', field: 'response'}, stroke: {value: '#333'}, strokeWidth: {value: 0.6}, tooltip: tooltip}}});
    } else {
      marks.push({type: 'group', from: {facet: {name: 'series', data: 'rows', groupby: 'response'}}, marks: [
        {type: 'area', from: {data: 'series'}, encode: {enter: {
          interpolate: {value: 'linear'}, x: {scale: 'x', field: 'round'}, y: {scale: 'y', field: 'y1'},
          y2: {scale: 'y', field: 'y0'}, fill: {scale: 'fill', field: 'response'}, stroke: {value: '#333'}, strokeWidth: {value: 0.6}}}}]});
      // Invisible hover targets, one a band and round, carry the tooltips (a visible dot here
      // would be a mark with no meaning on the page).
      marks.push({type: 'symbol', from: {data: 'points'}, encode: {enter: {
        x: {scale: 'x', field: 'round'}, y: {scale: 'y', field: 'middle'}, size: {value: 300}, fill: {value: '#ffffff'},
        fillOpacity: {value: 0}, strokeOpacity: {value: 0}, tooltip: tooltip}}});
    }
    return {
      description: title, height: 220, padding: 5, autosize: fitAutosize, title: titleStyle(title),
      data: [stacked, {name: 'points', source: 'rows', transform: [{type: 'filter', expr: asShare ? 'datum.power > 0' : 'datum.count > 0'}]}],
      scales: [
        bars ? {name: 'x', type: 'band', domain: {data: 'rows', field: 'round'}, range: 'width', padding: 0.3}
             : {name: 'x', type: 'linear', domain: roundDomain(), range: 'width', zero: false, nice: false},
        {name: 'y', type: 'linear', domain: asShare ? [0, 1] : {data: 'rows', field: 'y1'}, range: 'height', nice: !asShare, zero: true},
        {name: 'fill', type: 'ordinal', domain: RESPONSES, range: RESPONSE_FILLS},
        {name: 'shape', type: 'ordinal', domain: RESPONSES, range: RESPONSE_SHAPES}
      ],
      axes: [
        {orient: 'bottom', scale: 'x', title: 'Round', format: 'd', tickMinStep: 1},
        {orient: 'left', scale: 'y', title: axisTitle, format: asShare ? '.0%' : 'd', tickMinStep: asShare ? 0.1 : 1, grid: true}
      ],
      legends: [{fill: 'fill', title: 'Response', orient: 'top', direction: 'horizontal',
        symbolType: 'square', symbolSize: 220, symbolStrokeColor: '#333', symbolStrokeWidth: 0.6,
        encode: {labels: {update: {text: {signal: "datum.value === 'aside' ? 'stand aside' : datum.value"}}}}}],
      marks: marks
    };
  }

  function focusDefault() {
    const last = data.rounds[data.rounds.length - 1];
    const rows = data.utility.filter((row) => row.round === last.round);
    const pick = rows.find((row) => row.response === 'object') || rows.find((row) => row.response === 'aside') || rows[0];
    return pick ? pick.delegation : '';
  }

  function utilitySpec(focus) {
    const last = data.rounds[data.rounds.length - 1].round;
    const tooltip = {signal: "{'Delegation': datum.name, 'Round': datum.round, 'Response': datum.response === 'aside' ? 'stand aside' : datum.response, " +
      "'Utility': decimalApart(datum.utility, datum.support, datum.blocking), " +
      "'Support threshold': decimalApart(datum.support, datum.utility, datum.utility), " +
      "'Blocking threshold': decimalApart(datum.blocking, datum.utility, datum.utility), 'Why': datum.reason}"};
    return {
      description: 'Utility of the tabled draft for each delegation by round, with the thresholds of the selected delegation.',
      height: 340, padding: 5, autosize: fitAutosize,
      // The response legend under the bloc legend, not beside it: beside four columns of blocs it
      // ran past the chart's right edge and only its first shape ('support') showed.
      config: {legend: {layout: {top: {anchor: 'start', direction: 'vertical'}}}},
      title: titleStyle('Utility of the tabled draft, by round'),
      signals: [{name: 'focus', value: focus}, {name: 'groupNames', value: GROUP_NAMES}, {name: 'lastRound', value: last}],
      data: [
        {name: 'rows', values: data.utility},
        {name: 'focused', source: 'rows', transform: [{type: 'filter', expr: 'datum.delegation === focus'}]},
        {name: 'focusedLast', source: 'focused', transform: [{type: 'filter', expr: 'datum.round === lastRound'}]}
      ],
      scales: blocScales().concat([
        {name: 'x', type: 'linear', domain: roundDomain(), range: 'width', zero: false, nice: false},
        {name: 'y', type: 'linear', domain: {data: 'rows', fields: ['utility', 'support', 'blocking']}, range: 'height', nice: true, zero: false},
        {name: 'shape', type: 'ordinal', domain: RESPONSES, range: RESPONSE_SHAPES}
      ]),
      axes: [
        {orient: 'bottom', scale: 'x', title: 'Round', format: 'd', tickMinStep: 1},
        {orient: 'left', scale: 'y', title: 'Utility as perceived (u plus noise)', grid: true}
      ],
      legends: [
        groupLegend(),
        {shape: 'shape', title: 'Response', orient: 'top', direction: 'horizontal', symbolStrokeColor: '#222', symbolFillColor: '#fff',
          encode: {labels: {update: {text: {signal: "datum.value === 'aside' ? 'stand aside' : datum.value"}}}}}
      ],
      marks: [
        {type: 'group', from: {facet: {name: 'series', data: 'rows', groupby: ['delegation', 'bloc']}}, marks: [
          {type: 'line', from: {data: 'series'}, encode: {
            enter: {x: {scale: 'x', field: 'round'}, y: {scale: 'y', field: 'utility'}, stroke: {scale: 'colour', field: GROUP_FIELD},
              strokeDash: {scale: 'dash', field: GROUP_FIELD}},
            update: {strokeWidth: {signal: 'datum.delegation === focus ? 3.5 : 1.3'}, strokeOpacity: {signal: 'datum.delegation === focus ? 1 : 0.45'}}}}]},
        {type: 'line', from: {data: 'focused'}, encode: {update: {x: {scale: 'x', field: 'round'}, y: {scale: 'y', field: 'support'},
          stroke: {value: '#111'}, strokeWidth: {value: 2}, strokeDash: {value: [8, 4]}}}},
        {type: 'line', from: {data: 'focused'}, encode: {update: {x: {scale: 'x', field: 'round'}, y: {scale: 'y', field: 'blocking'},
          stroke: {value: '#111'}, strokeWidth: {value: 2}, strokeDash: {value: [1, 3]}, strokeCap: {value: 'round'}}}},
        {type: 'symbol', from: {data: 'focused'}, encode: {update: {x: {scale: 'x', field: 'round'}, y: {scale: 'y', field: 'support'},
          shape: {value: 'stroke'}, size: {value: 160}, stroke: {value: '#111'}, strokeWidth: {value: 2}, tooltip: tooltip}}},
        {type: 'symbol', from: {data: 'focused'}, encode: {update: {x: {scale: 'x', field: 'round'}, y: {scale: 'y', field: 'blocking'},
          shape: {value: 'stroke'}, size: {value: 160}, stroke: {value: '#111'}, strokeWidth: {value: 2}, tooltip: tooltip}}},
        {type: 'symbol', from: {data: 'rows'}, encode: {
          enter: {x: {scale: 'x', field: 'round'}, y: {scale: 'y', field: 'utility'}, shape: {scale: 'shape', field: 'response'},
            stroke: {scale: 'colour', field: GROUP_FIELD}, fill: {value: '#ffffff'}, tooltip: tooltip},
          update: {size: {signal: 'datum.delegation === focus ? 70 : 26'}, strokeWidth: {signal: 'datum.delegation === focus ? 2 : 1'},
            strokeOpacity: {signal: 'datum.delegation === focus ? 1 : 0.6'}}}},
        // Each threshold's label beside the end of its line, turned to the inside of the plot
        // when the line runs along an edge (under the chart's bottom it sat on the round axis).
        {type: 'text', from: {data: 'focusedLast'}, encode: {update: {x: {scale: 'x', field: 'round'}, y: {scale: 'y', field: 'support'},
          text: {value: 'support threshold'}, align: {value: 'right'}, dy: {signal: "scale('y', datum.support) < 14 ? 14 : -7"}, fontSize: {value: 11}, fill: {value: '#111'}}}},
        {type: 'text', from: {data: 'focusedLast'}, encode: {update: {x: {scale: 'x', field: 'round'}, y: {scale: 'y', field: 'blocking'},
          text: {value: 'blocking threshold'}, align: {value: 'right'}, dy: {signal: "scale('y', datum.blocking) > height - 16 ? -7 : 14"}, fontSize: {value: 11}, fill: {value: '#111'}}}},
        {type: 'text', from: {data: 'focusedLast'}, encode: {update: {x: {scale: 'x', field: 'round'}, y: {scale: 'y', field: 'utility'},
          text: {field: 'name'}, align: {value: 'right'}, dx: {value: -8}, dy: {value: -8}, fontSize: {value: 12}, fontWeight: {value: 'bold'},
          fill: {value: '#111'}, limit: {value: 220}}}}
      ]
    };
  }

  function distanceSpec(container) {
    const issues = data.issues.map((issue) => issue.id);
    // Rows as the data gives them: every delegation, or (a large run) bloc averages and objectors.
    const names = mapOf(data.delegations, 'id', 'name');
    const delegations = [];
    data.distance.forEach((row) => {
      if (delegations.indexOf(row.delegation) < 0) delegations.push(row.delegation);
      if (row.name) names[row.delegation] = row.name;
    });
    const cell = Math.max(36, Math.min(90, Math.floor((widthOf(container) - 190) / Math.max(1, issues.length))));
    return {
      description: 'Distance of each delegation from the final draft on each paragraph; crosses mark red lines crossed.',
      width: cell * issues.length, height: 22 * delegations.length, padding: 5, autosize: {type: 'pad'},
      title: titleStyle('Distance from the final draft'),
      signals: [{name: 'issueNames', value: mapOf(data.issues, 'id', 'short')}, {name: 'delegationNames', value: names}],
      // Numbers in every cell only while they stay readable (and the page quick): hover gives them.
      data: [{name: 'rows', values: data.distance}, {name: 'crossed', source: 'rows', transform: [{type: 'filter', expr: 'datum.crossed'}]},
        {name: 'labelled', values: data.distance.length <= 2000 ? data.distance : []}],
      scales: [
        {name: 'x', type: 'band', domain: issues, range: 'width', padding: 0.04},
        {name: 'y', type: 'band', domain: delegations, range: 'height', padding: 0.06},
        {name: 'colour', type: 'linear', domain: [0, 1], range: {scheme: 'blues'}, zero: true},
        {name: 'marker', type: 'ordinal', domain: ['red line crossed'], range: ['cross']}
      ],
      axes: [
        {orient: 'bottom', scale: 'x', title: 'Paragraph', labelAngle: -35, labelAlign: 'right', labelBaseline: 'top', labelLimit: 220,
          encode: {labels: {update: {text: {signal: 'issueNames[datum.value]'}}}}},
        {orient: 'left', scale: 'y', title: 'Delegation', labelLimit: 170,
          encode: {labels: {update: {text: {signal: 'delegationNames[datum.value]'}}}}}
      ],
      legends: [
        {fill: 'colour', title: 'Distance', orient: 'right', gradientLength: 140, format: '.1f'},
        {shape: 'marker', orient: 'right', symbolStrokeColor: '#000', symbolFillColor: '#fff', symbolStrokeWidth: 1.5}
      ],
      marks: [
        {type: 'rect', from: {data: 'rows'}, encode: {enter: {
          x: {scale: 'x', field: 'issue'}, width: {scale: 'x', band: 1}, y: {scale: 'y', field: 'delegation'}, height: {scale: 'y', band: 1},
          fill: {scale: 'colour', field: 'distance'}, stroke: {signal: "datum.crossed ? '#000' : null"}, strokeWidth: {value: 2},
          tooltip: {signal: "{'Delegation': delegationNames[datum.delegation], 'Paragraph': issueNames[datum.issue], 'Distance': decimal(datum.distance, 2), " +
            "'Its position': decimal(datum.position, 2), 'Final text': decimal(datum.final, 2), 'Salience': decimal(datum.salience, 2), " +
            "'Red line crossed': datum.crossed ? 'yes' : 'no'}"}}}},
        {type: 'text', from: {data: 'labelled'}, interactive: false, encode: {enter: {
          x: {scale: 'x', field: 'issue', band: 0.5}, y: {scale: 'y', field: 'delegation', band: 0.5}, align: {value: 'center'},
          baseline: {value: 'middle'}, fontSize: {value: 10}, text: {signal: "decimal(datum.distance, 2)"},
          fill: {signal: "datum.distance > 0.45 ? '#ffffff' : '#111111'"}}}},
        {type: 'symbol', from: {data: 'crossed'}, interactive: false, encode: {enter: {
          x: {scale: 'x', field: 'issue', band: 1, offset: -7}, y: {scale: 'y', field: 'delegation', offset: 7}, shape: {value: 'cross'},
          size: {value: 60}, fill: {value: '#ffffff'}, stroke: {value: '#000000'}, strokeWidth: {value: 1.2}}}}
      ]
    };
  }

  function positionsSpec(issue, width) {
    const rows = data.positions.filter((row) => row.issue === issue.id);
    const drafts = data.draft_values.filter((row) => row.issue === issue.id);
    const tooltip = {signal: "{'Delegation': datum.name, 'Round': datum.round, 'Position': decimal(datum.position, 2)}"};
    return {
      description: 'Positions on ' + issue.short + ' by round, and the tabled draft.',
      height: 190, padding: 5, autosize: fitAutosize, title: titleStyle(titleLines(issue.short, width)),
      signals: [{name: 'groupNames', value: GROUP_NAMES}],
      legends: [groupLegend()],
      data: [{name: 'rows', values: rows}, {name: 'drafts', values: drafts},
        {name: 'lastDraft', source: 'drafts', transform: [{type: 'window', ops: ['row_number'], sort: {field: 'round', order: 'descending'}},
          {type: 'filter', expr: 'datum.row_number === 1'}]}],
      scales: blocScales().concat([
        {name: 'x', type: 'linear', domain: roundDomain(), range: 'width', zero: false, nice: false},
        {name: 'y', type: 'linear', domain: [0, 1], range: 'height'}
      ]),
      axes: [
        {orient: 'bottom', scale: 'x', title: 'Round', format: 'd', tickMinStep: 1},
        {orient: 'left', scale: 'y', title: 'Position (0 to 1)', tickCount: 5, grid: true}
      ],
      marks: [
        {type: 'group', from: {facet: {name: 'series', data: 'rows', groupby: ['delegation', 'bloc']}}, marks: [
          {type: 'line', from: {data: 'series'}, encode: {enter: {x: {scale: 'x', field: 'round'}, y: {scale: 'y', field: 'position'},
            stroke: {scale: 'colour', field: GROUP_FIELD}, strokeDash: {scale: 'dash', field: GROUP_FIELD}, strokeWidth: {value: 1.4}, strokeOpacity: {value: 0.75}}}}]},
        {type: 'symbol', from: {data: 'rows'}, encode: {enter: {x: {scale: 'x', field: 'round'}, y: {scale: 'y', field: 'position'},
          size: {value: 14}, fill: {scale: 'colour', field: GROUP_FIELD}, fillOpacity: {value: 0.7}, tooltip: tooltip}}},
        {type: 'line', from: {data: 'drafts'}, encode: {enter: {x: {scale: 'x', field: 'round'}, y: {scale: 'y', field: 'value'},
          stroke: {value: '#000'}, strokeWidth: {value: 3.5}}}},
        {type: 'symbol', from: {data: 'drafts'}, encode: {enter: {x: {scale: 'x', field: 'round'}, y: {scale: 'y', field: 'value'},
          shape: {value: 'diamond'}, size: {value: 50}, fill: {value: '#000'},
          tooltip: {signal: "{'Tabled draft': decimal(datum.value, 2), 'Round': datum.round}"}}}},
        {type: 'text', from: {data: 'lastDraft'}, encode: {enter: {x: {scale: 'x', field: 'round'}, y: {scale: 'y', field: 'value'},
          text: {value: 'tabled draft'}, align: {value: 'right'}, dy: {value: -8}, fontSize: {value: 11}, fontWeight: {value: 'bold'}}}}
      ]
    };
  }

  // ------------------------------------------------------------------ replay

  // Word-level difference (longest common subsequence): a list of [kind, text], kind ' ', '+' or '-'.
  function wordDiff(before, after) {
    const a = before.split(/(\s+)/).filter((token) => token.length);
    const b = after.split(/(\s+)/).filter((token) => token.length);
    const table = [];
    for (let i = 0; i <= a.length; ++i) table.push(new Array(b.length + 1).fill(0));
    for (let i = a.length - 1; i >= 0; --i) {
      for (let j = b.length - 1; j >= 0; --j) {
        table[i][j] = a[i] === b[j] ? table[i + 1][j + 1] + 1 : Math.max(table[i + 1][j], table[i][j + 1]);
      }
    }
    const parts = [];
    let i = 0;
    let j = 0;
    const push = (kind, text) => {
      if (parts.length && parts[parts.length - 1][0] === kind) parts[parts.length - 1][1] += text;
      else parts.push([kind, text]);
    };
    while (i < a.length && j < b.length) {
      if (a[i] === b[j]) { push(' ', a[i]); ++i; ++j; }
      else if (table[i + 1][j] >= table[i][j + 1]) { push('-', a[i]); ++i; }
      else { push('+', b[j]); ++j; }
    }
    while (i < a.length) push('-', a[i++]);
    while (j < b.length) push('+', b[j++]);
    return parts;
  }

  function setupReplay() {
    const slider = byId('replay-round');
    if (!slider || !data.rounds.length) return;
    const label = byId('replay-label');
    const summary = byId('replay-summary');
    const list = byId('replay-text');
    const playButton = byId('replay-play');
    const issueTitles = mapOf(data.issues, 'id', 'title');
    const issueShort = mapOf(data.issues, 'id', 'short');
    const total = data.rounds.length;
    let timer = null;

    function describeRound(round) {
      const parts = [];
      const support = round.responses.support;
      let supportText = support.length > 6 ? String(support.length) + ' delegations' : (support.length ? joinNames(support) : 'nobody');
      if (round.support_power !== null && round.support_power !== undefined) {
        supportText += ' (' + Math.round(round.support_power * 100) + '% of the power)';
      }
      parts.push('Supporting: ' + supportText + '.');
      parts.push('Standing aside: ' + (round.responses.aside.length ? joinNames(round.responses.aside) : 'nobody') + '.');
      parts.push('Objecting: ' + (round.responses.object.length ? joinNames(round.responses.object) : 'nobody') + '.');
      return parts;
    }

    // A changed paragraph's value as a tabled text with that very value prints it (this round's
    // or the next), as the story does: "0.504", never "0.50" beside "draft at 0.504".
    function changeValue(issue, value, index) {
      for (const tabledIn of [data.rounds[index], data.rounds[index + 1]]) {
        if (tabledIn && tabledIn.draft[issue] === value) return valueText(tabledIn.text[issue], value);
      }
      return fixed2(value);
    }

    function describeChanges(round, index) {
      const lines = [];
      // The same sentence as the story's (narrate.cpp), from the trace's reason.
      if (round.passed_over) lines.push('The chair did not try to meet ' + joinNames(round.passed_over.delegations) + ': ' + round.passed_over.reason + '.');
      let failed = 0;
      round.changes.forEach((change) => {
        if (!change.accepted) { ++failed; return; }
        if (change.kind === 'withdrawal') {
          lines.push('The chair then withdrew its repair for ' + change.delegation + ' on ' + issueShort[change.issue] + ' (' + changeValue(change.issue, change.from, index) + ' back to ' + changeValue(change.issue, change.to, index) + '): ' + change.delegation + ' still objected, and without the repair no one new objected.');
          return;
        }
        // "the amendment of United States", never "United States's amendment".
        const what = change.kind === 'amendment' ? 'the amendment of ' + change.delegation + ' on ' : 'a repair toward the red line of ' + change.delegation + ' on ';
        lines.push('After the poll the chair accepted ' + what + issueShort[change.issue] + ' (' + changeValue(change.issue, change.from, index) + ' to ' + changeValue(change.issue, change.to, index) + ').');
      });
      if (failed) lines.push(String(failed) + (failed === 1 ? ' repair or amendment was' : ' repairs and amendments were') + ' dropped: others would have objected.');
      return lines;
    }

    function show(index) {
      index = Math.max(0, Math.min(total - 1, index));
      slider.value = String(index + 1);
      const round = data.rounds[index];
      const previous = index > 0 ? data.rounds[index - 1] : null;
      label.textContent = 'Round ' + round.round + ' of ' + data.rounds[total - 1].round;
      summary.replaceChildren();
      summary.appendChild(element('p', 'Round ' + round.round + (previous ? ': the text as the chair tabled it, with what changed since round ' + previous.round + '.' : ': the first text the chair tabled.'), 'replay-heading'));
      describeRound(round).concat(describeChanges(round, index)).forEach((line) => summary.appendChild(element('p', line)));
      list.replaceChildren();
      data.issues.forEach((issue) => {
        const item = element('li', null, 'paragraph');
        const heading = element('h3', issueTitles[issue.id]);
        const now = round.text[issue.id] || '';
        const before = previous ? (previous.text[issue.id] || '') : now;
        const value = round.draft[issue.id];
        const was = previous ? previous.draft[issue.id] : value;
        const reworded = wording(now) !== wording(before);
        const moved = Math.abs(value - was) >= 0.005;
        if (reworded || moved) {
          item.classList.add('changed');
          heading.appendChild(element('span', reworded ? 'Reworded' : 'Moved', 'badge changed'));
        }
        item.appendChild(heading);
        const paragraph = element('p');
        if (reworded) {
          wordDiff(before, now).forEach((part) => {
            paragraph.appendChild(part[0] === ' ' ? document.createTextNode(part[1]) : element(part[0] === '+' ? 'ins' : 'del', part[1]));
          });
        } else {
          paragraph.textContent = now;
        }
        item.appendChild(paragraph);
        item.appendChild(element('p', 'Draft value ' + valueText(now, value) + (moved ? ' (was ' + valueText(before, was) + ')' : ''), 'meta'));
        list.appendChild(item);
      });
    }

    function stop() {
      if (timer !== null) clearInterval(timer);
      timer = null;
      playButton.textContent = 'Play';
      playButton.setAttribute('aria-pressed', 'false');
    }
    function current() { return Number(slider.value) - 1; }
    byId('replay-first').addEventListener('click', () => { stop(); show(0); });
    byId('replay-previous').addEventListener('click', () => { stop(); show(current() - 1); });
    byId('replay-next').addEventListener('click', () => { stop(); show(current() + 1); });
    slider.addEventListener('input', () => { stop(); show(current()); });
    playButton.setAttribute('aria-pressed', 'false');
    playButton.addEventListener('click', () => {
      if (timer !== null) { stop(); return; }
      if (current() >= total - 1) show(0);
      playButton.textContent = 'Pause';
      playButton.setAttribute('aria-pressed', 'true');
      timer = setInterval(() => {
        if (current() >= total - 1) { stop(); return; }
        show(current() + 1);
      }, 1500);
    });
    show(0);
  }

  function drawRun() {
    draw(byId('chart-shares-count'), sharesSpec('count', 'Responses by round', 'Delegations', false), true);
    if (data.has_power) draw(byId('chart-shares-power'), sharesSpec('power', 'Responses by round, weighted by power', 'Share of power', true), true);

    const select = byId('focus-delegation');
    const focus = focusDefault();
    data.delegations.forEach((delegation) => {
      const option = element('option', delegation.name);
      option.value = delegation.id;
      if (delegation.id === focus) option.selected = true;
      select.appendChild(option);
    });
    const utilityView = draw(byId('chart-utility'), utilitySpec(focus), true);
    select.addEventListener('change', () => {
      if (utilityView) utilityView.signal('focus', select.value).runAsync();
    });

    if (data.distance.length) {
      const container = byId('chart-distance');
      draw(container, distanceSpec(container), false);
    }
    const multiples = byId('chart-positions');
    if (multiples && data.positions.length) {
      // Lay out every panel before measuring any: the grid's columns depend on how many there are.
      const drawn = data.position_issues ? data.issues.filter((issue) => data.position_issues.indexOf(issue.id) >= 0) : data.issues;
      const charts = drawn.map(() => {
        const figure = element('figure');
        const chart = element('div', null, 'chart');
        figure.appendChild(chart);
        multiples.appendChild(figure);
        return chart;
      });
      drawn.forEach((issue, j) => draw(charts[j], positionsSpec(issue, widthOf(charts[j])), true));
      const caption = element('p', data.positions_are_bloc_averages
        ? 'Lines: the average position of each bloc (too many delegations to draw one by one), in the bloc colour and dash. Thick black line: the tabled draft.'
        : NO_BLOCS ? 'Lines: delegations, each in its own colour and dash. Thick black line: the tabled draft.'
          : 'Lines: delegations, in their bloc colour and dash. Thick black line: the tabled draft.', 'hint');
      multiples.parentNode.appendChild(caption);
    }
    setupReplay();
  }

  // ------------------------------------------------------------------ sweep charts

  // A cell named by its settings, one line a varied key, each key by its last part(s):
  // "rule=unanimity", "ihl.max=0.4" (the table below gives the full key paths).
  function shortKeys(keys) {
    const names = {};
    keys.forEach((key) => {
      const parts = key.split('.');
      let take = 1;
      const clash = () => keys.some((other) => other !== key && other.split('.').slice(-take).join('.') === parts.slice(-take).join('.'));
      while (take < parts.length && (clash() || (take === 1 && parts.length > 3))) ++take;
      names[key] = parts.slice(-take).join('.');
    });
    return names;
  }
  function cellLines() {
    const keys = [];
    data.cells.forEach((cell) => Object.keys(cell.settings || {}).forEach((key) => { if (keys.indexOf(key) < 0) keys.push(key); }));
    const names = shortKeys(keys);
    const lines = {};
    data.cells.forEach((cell) => {
      const settings = cell.settings || {};
      const list = Object.keys(settings).map((key) => names[key] + '=' + (typeof settings[key] === 'string' ? settings[key] : JSON.stringify(settings[key])));
      lines[cell.cell] = list.length ? list : ['as in the scenario'];
    });
    return lines;
  }

  function outcomesSpec() {
    const seen = data.outcomes_seen.length ? data.outcomes_seen : ['no_consensus'];
    const rows = data.outcome_rows.filter((row) => seen.indexOf(row.outcome) >= 0);
    const cells = data.cells.map((cell) => cell.cell);
    const cellLabels = {};
    data.cells.forEach((cell) => { cellLabels[cell.cell] = cell.label; });
    const lines = cellLines();
    const lineCount = Math.max(1, ...Object.values(lines).map((list) => list.length));
    const colours = OUTCOME_COLOURS.slice(0, OUTCOMES.length);
    return {
      description: 'Outcome shares per grid cell with 95% intervals.',
      height: cells.length * Math.max(seen.length * 16 + 14, lineCount * 14 + 14), padding: 5, autosize: fitAutosize,
      title: titleStyle('Outcome probabilities per setting (95% intervals)'),
      signals: [{name: 'cellLabels', value: cellLabels}, {name: 'cellLines', value: lines}, {name: 'outcomeLabels', value: OUTCOME_LABELS}],
      data: [{name: 'rows', values: rows}],
      scales: [
        {name: 'y', type: 'band', domain: cells, range: 'height', paddingInner: 0.15},
        {name: 'x', type: 'linear', domain: [0, 1], range: 'width'},
        {name: 'colour', type: 'ordinal', domain: OUTCOMES, range: colours},
        {name: 'shape', type: 'ordinal', domain: OUTCOMES, range: OUTCOME_SHAPES}
      ],
      axes: [
        {orient: 'bottom', scale: 'x', title: 'Share of replicates', format: '.0%', grid: true},
        {orient: 'left', scale: 'y', labelLimit: 320, labelFontSize: 11,
          encode: {labels: {update: {text: {signal: 'cellLines[datum.value]'}}}}}
      ],
      legends: [{fill: 'colour', shape: 'shape', title: 'Outcome', orient: 'top', direction: 'horizontal', values: seen, labelLimit: 220,
        encode: {labels: {update: {text: {signal: 'outcomeLabels[datum.value]'}}}}}],
      marks: [{type: 'group', from: {facet: {name: 'cellRows', data: 'rows', groupby: 'cell'}},
        encode: {enter: {y: {scale: 'y', field: 'cell'}, height: {scale: 'y', band: 1}, width: {signal: 'width'}}},
        signals: [{name: 'height', update: "bandwidth('y')"}],  // the inner band scale spans one cell
        scales: [{name: 'inner', type: 'band', domain: seen, range: 'height', padding: 0.2}],
        marks: [
          {type: 'rule', from: {data: 'cellRows'}, encode: {enter: {x: {scale: 'x', field: 'low'}, x2: {scale: 'x', field: 'high'},
            y: {scale: 'inner', field: 'outcome', band: 0.5}, stroke: {scale: 'colour', field: 'outcome'}, strokeWidth: {value: 2}}}},
          {type: 'symbol', from: {data: 'cellRows'}, encode: {enter: {x: {scale: 'x', field: 'share'}, y: {scale: 'inner', field: 'outcome', band: 0.5},
            shape: {scale: 'shape', field: 'outcome'}, fill: {scale: 'colour', field: 'outcome'}, stroke: {value: '#222'}, size: {value: 70},
            tooltip: {signal: "{'Cell': cellLabels[datum.cell], 'Outcome': outcomeLabels[datum.outcome], 'Share': percent(datum.share, 1), " +
              "'95% interval': percent(datum.low, 1) + ' to ' + percent(datum.high, 1)}"}}}}
        ]}]
    };
  }

  function objectionsSpec(container) {
    const cells = data.cells.map((cell) => cell.cell);
    const delegations = data.delegations.map((delegation) => delegation.id);
    const cellLabels = {};
    data.cells.forEach((cell) => { cellLabels[cell.cell] = cell.label; });
    const lines = cellLines();
    const longest = Math.max(1, ...Object.values(lines).map((list) => Math.max(...list.map((line) => line.length))));
    const band = Math.max(44, Math.min(110, Math.floor((widthOf(container) - 190) / Math.max(1, cells.length))));
    const slanted = longest * 6.5 > band;  // labels wider than their column are set at an angle
    return {
      description: 'Share of replicates in which each delegation objected, per grid cell.',
      width: band * cells.length, height: 22 * delegations.length, padding: 5, autosize: {type: 'pad'},
      title: titleStyle('Objection frequency per delegation'),
      signals: [{name: 'cellLabels', value: cellLabels}, {name: 'cellLines', value: lines},
        {name: 'delegationNames', value: mapOf(data.delegations, 'id', 'name')}],
      data: [{name: 'rows', values: data.objection_rows}],
      scales: [
        {name: 'x', type: 'band', domain: cells, range: 'width', padding: 0.04},
        {name: 'y', type: 'band', domain: delegations, range: 'height', padding: 0.06},
        {name: 'colour', type: 'linear', domain: [0, 1], range: {scheme: 'oranges'}}
      ],
      axes: [
        {orient: 'bottom', scale: 'x', title: 'Settings', labelFontSize: 11, labelLimit: 260, titlePadding: 8,
          labelAngle: slanted ? -35 : 0, labelAlign: slanted ? 'right' : 'center', labelBaseline: 'top',
          encode: {labels: {update: {text: {signal: 'cellLines[datum.value]'}}}}},
        {orient: 'left', scale: 'y', title: 'Delegation', labelLimit: 170, encode: {labels: {update: {text: {signal: 'delegationNames[datum.value]'}}}}}
      ],
      legends: [{fill: 'colour', title: 'Objected in', format: '.0%', orient: 'right', gradientLength: 140}],
      marks: [
        {type: 'rect', from: {data: 'rows'}, encode: {enter: {x: {scale: 'x', field: 'cell'}, width: {scale: 'x', band: 1},
          y: {scale: 'y', field: 'delegation'}, height: {scale: 'y', band: 1}, fill: {scale: 'colour', field: 'share'},
          tooltip: {signal: "{'Delegation': datum.name, 'Cell': cellLabels[datum.cell], 'Objected': percent(datum.share, 1), " +
            "'Stood aside': percent(datum.aside, 1), 'Sole blocker': percent(datum.sole, 1)}"}}}},
        {type: 'text', from: {data: 'rows'}, interactive: false, encode: {enter: {x: {scale: 'x', field: 'cell', band: 0.5},
          y: {scale: 'y', field: 'delegation', band: 0.5}, align: {value: 'center'}, baseline: {value: 'middle'}, fontSize: {value: 10},
          text: {signal: "percent(datum.share, 0)"}, fill: {signal: "datum.share > 0.5 ? '#ffffff' : '#111111'"}}}}
      ]
    };
  }

  // One varied key: each outcome's share against its values, a line with its 95% Wilson band.
  // Two: a heat map of the adoption share over both, each cell labelled.
  function sweepKeys() {
    const keys = [];
    data.cells.forEach((cell) => Object.keys(cell.settings || {}).forEach((key) => { if (keys.indexOf(key) < 0) keys.push(key); }));
    return keys;
  }
  function settingText(value) { return typeof value === 'string' ? value : JSON.stringify(value); }
  function curveSpec(key) {
    const seen = data.outcomes_seen.length ? data.outcomes_seen : ['no_consensus'];
    const values = data.cells.map((cell) => settingText(cell.settings[key]));
    const numeric = values.every((value) => value !== '' && isFinite(Number(value)));
    const rows = [];
    data.cells.forEach((cell) => cell.outcomes.forEach((row) => {
      if (seen.indexOf(row.outcome) < 0) return;
      const value = settingText(cell.settings[key]);
      rows.push({outcome: row.outcome, x: numeric ? Number(value) : value, share: row.share, low: row.low, high: row.high});
    }));
    const colours = OUTCOME_COLOURS.slice(0, OUTCOMES.length);
    return {
      description: 'Outcome shares against ' + key + ', with 95% Wilson bands.',
      height: 280, padding: 5, autosize: fitAutosize,
      title: titleStyle('Outcome shares against ' + key + ' (95% Wilson bands)'),
      signals: [{name: 'outcomeLabels', value: OUTCOME_LABELS}],
      data: [{name: 'rows', values: rows}],
      scales: [
        numeric ? {name: 'x', type: 'linear', domain: {data: 'rows', field: 'x'}, range: 'width', zero: false, nice: false}
          : {name: 'x', type: 'point', domain: values, range: 'width', padding: 0.5},
        {name: 'y', type: 'linear', domain: [0, 1], range: 'height'},
        {name: 'colour', type: 'ordinal', domain: OUTCOMES, range: colours},
        {name: 'shape', type: 'ordinal', domain: OUTCOMES, range: OUTCOME_SHAPES}
      ],
      axes: [
        {orient: 'bottom', scale: 'x', title: key, labelLimit: 160},
        {orient: 'left', scale: 'y', title: 'Share of replicates', format: '.0%', grid: true}
      ],
      legends: [{fill: 'colour', shape: 'shape', title: 'Outcome', orient: 'top', direction: 'horizontal', values: seen, labelLimit: 220,
        encode: {labels: {update: {text: {signal: 'outcomeLabels[datum.value]'}}}}}],
      marks: [{type: 'group', from: {facet: {name: 'series', data: 'rows', groupby: 'outcome'}},
        marks: [
          {type: 'area', from: {data: 'series'}, encode: {enter: {x: {scale: 'x', field: 'x'}, y: {scale: 'y', field: 'low'},
            y2: {scale: 'y', field: 'high'}, fill: {scale: 'colour', field: 'outcome'}, fillOpacity: {value: 0.25}}}},
          {type: 'line', from: {data: 'series'}, encode: {enter: {x: {scale: 'x', field: 'x'}, y: {scale: 'y', field: 'share'},
            stroke: {scale: 'colour', field: 'outcome'}, strokeWidth: {value: 2}}}},
          {type: 'symbol', from: {data: 'series'}, encode: {enter: {x: {scale: 'x', field: 'x'}, y: {scale: 'y', field: 'share'},
            shape: {scale: 'shape', field: 'outcome'}, fill: {scale: 'colour', field: 'outcome'}, stroke: {value: '#222'}, size: {value: 50},
            tooltip: {signal: "{'Setting': datum.x, 'Outcome': outcomeLabels[datum.outcome], 'Share': percent(datum.share, 1), " +
              "'95% interval': percent(datum.low, 1) + ' to ' + percent(datum.high, 1)}"}}}}
        ]}]
    };
  }
  function heatSpec(keys) {
    const xs = [];
    const ys = [];
    const rows = data.cells.map((cell) => {
      const x = settingText(cell.settings[keys[1]]);
      const y = settingText(cell.settings[keys[0]]);
      if (xs.indexOf(x) < 0) xs.push(x);
      if (ys.indexOf(y) < 0) ys.push(y);
      let adopted = 0;
      cell.outcomes.forEach((row) => { if (row.outcome !== 'no_consensus') adopted += row.share; });
      return {x: x, y: y, share: adopted};
    });
    return {
      description: 'Share of replicates adopting a text over ' + keys[0] + ' and ' + keys[1] + '.',
      width: Math.max(300, 70 * xs.length), height: Math.max(120, 34 * ys.length), padding: 5, autosize: {type: 'pad'},
      title: titleStyle('Adopted (any outcome but no consensus), by ' + keys[0] + ' and ' + keys[1]),
      data: [{name: 'rows', values: rows}],
      scales: [
        {name: 'x', type: 'band', domain: xs, range: 'width', padding: 0.04},
        {name: 'y', type: 'band', domain: ys, range: 'height', padding: 0.06},
        {name: 'colour', type: 'linear', domain: [0, 1], range: {scheme: 'blues'}}
      ],
      axes: [
        {orient: 'bottom', scale: 'x', title: keys[1], labelLimit: 160},
        {orient: 'left', scale: 'y', title: keys[0], labelLimit: 160}
      ],
      legends: [{fill: 'colour', title: 'Adopted in', format: '.0%', orient: 'right', gradientLength: 140}],
      marks: [
        {type: 'rect', from: {data: 'rows'}, encode: {enter: {x: {scale: 'x', field: 'x'}, width: {scale: 'x', band: 1},
          y: {scale: 'y', field: 'y'}, height: {scale: 'y', band: 1}, fill: {scale: 'colour', field: 'share'},
          tooltip: {signal: "{'" + keys[0] + "': datum.y, '" + keys[1] + "': datum.x, 'Adopted': percent(datum.share, 1)}"}}}},
        {type: 'text', from: {data: 'rows'}, interactive: false, encode: {enter: {x: {scale: 'x', field: 'x', band: 0.5},
          y: {scale: 'y', field: 'y', band: 0.5}, align: {value: 'center'}, baseline: {value: 'middle'}, fontSize: {value: 11},
          text: {signal: 'percent(datum.share, 0)'}, fill: {signal: "datum.share > 0.5 ? '#ffffff' : '#111111'"}}}}
      ]
    };
  }

  function drawSweep() {
    const axisChart = byId('chart-axes');
    if (axisChart) {
      const keys = sweepKeys();
      if (keys.length === 1) draw(axisChart, curveSpec(keys[0]), true);
      else if (keys.length === 2) draw(axisChart, heatSpec(keys), false);
    }
    draw(byId('chart-outcomes'), outcomesSpec(), true);
    const container = byId('chart-objections');
    if (data.objection_rows.length) draw(container, objectionsSpec(container), false);
    else container.appendChild(element('p', 'The sweep summary has no objection shares.', 'note'));
  }

  // ------------------------------------------------------------------ sensitivity charts

  // One chart per output: each uncertain number's total and first-order index with its 95%
  // interval, ranked by the total index (the order of the summary).
  function sensitivitySpec(output) {
    const rows = data.index_rows.filter((row) => row.output === output.output);
    const keys = output.indices.map((index) => index.key);
    const names = {};  // whole key paths (whose red line it is matters), less the common prefix
    keys.forEach((key) => { names[key] = key.replace(/^delegations\./, ''); });
    const measures = ['total T', 'first-order S'];
    const lowest = Math.min(0, ...rows.map((row) => row.low));
    const highest = Math.max(1, ...rows.map((row) => row.high));
    return {
      description: 'Sobol indices of P(' + output.output + ') per uncertain number, with 95% intervals.',
      height: keys.length * 34, padding: 5, autosize: fitAutosize,
      title: titleStyle('P(' + output.output + ') = ' + formatPercent(output.probability, 1) + ': which numbers it hangs on, ranked by total index'),
      signals: [{name: 'keyNames', value: names}],
      data: [{name: 'rows', values: rows}],
      scales: [
        {name: 'y', type: 'band', domain: keys, range: 'height', paddingInner: 0.2},
        {name: 'x', type: 'linear', domain: [lowest, highest], range: 'width', nice: false, zero: true},
        {name: 'colour', type: 'ordinal', domain: measures, range: ['#3b6ea8', '#e07b54']},
        {name: 'shape', type: 'ordinal', domain: measures, range: ['circle', 'diamond']}
      ],
      axes: [
        {orient: 'bottom', scale: 'x', title: 'Share of the variance', format: '.1f', grid: true},
        {orient: 'left', scale: 'y', labelLimit: 360, labelFontSize: 11,  // ranked by the total index (the title says so)
          encode: {labels: {update: {text: {signal: 'keyNames[datum.value]'}}}}}
      ],
      legends: [{fill: 'colour', shape: 'shape', title: 'Index', orient: 'top', direction: 'horizontal'}],
      marks: [{type: 'group', from: {facet: {name: 'keyRows', data: 'rows', groupby: 'key'}},
        encode: {enter: {y: {scale: 'y', field: 'key'}, height: {scale: 'y', band: 1}, width: {signal: 'width'}}},
        signals: [{name: 'height', update: "bandwidth('y')"}],
        scales: [{name: 'inner', type: 'band', domain: measures, range: 'height', padding: 0.2}],
        marks: [
          {type: 'rect', from: {data: 'keyRows'}, encode: {enter: {x: {scale: 'x', value: 0}, x2: {scale: 'x', field: 'value'},
            y: {scale: 'inner', field: 'measure'}, height: {scale: 'inner', band: 1}, fill: {scale: 'colour', field: 'measure'},
            fillOpacity: {value: 0.35}}}},
          {type: 'rule', from: {data: 'keyRows'}, encode: {enter: {x: {scale: 'x', field: 'low'}, x2: {scale: 'x', field: 'high'},
            y: {scale: 'inner', field: 'measure', band: 0.5}, stroke: {scale: 'colour', field: 'measure'}, strokeWidth: {value: 2}}}},
          {type: 'symbol', from: {data: 'keyRows'}, encode: {enter: {x: {scale: 'x', field: 'value'}, y: {scale: 'inner', field: 'measure', band: 0.5},
            shape: {scale: 'shape', field: 'measure'}, fill: {scale: 'colour', field: 'measure'}, stroke: {value: '#222'}, size: {value: 60},
            tooltip: {signal: "{'Number': datum.key, 'Index': datum.measure, 'Value': decimal(datum.value, 2), " +
              "'95% interval': decimal(datum.low, 2) + ' to ' + decimal(datum.high, 2)}"}}}}
        ]}]
    };
  }

  function drawSensitivity() {
    data.outputs.forEach((output, index) => draw(byId('chart-sensitivity-' + index), sensitivitySpec(output), true));
  }

  try {
    if (data.kind === 'sweep') drawSweep();
    else if (data.kind === 'sensitivity') drawSensitivity();
    else drawRun();
  } catch (error) {
    noteError(error && error.message || error);
  }
  Promise.all(pending).then(() => {
    root.setAttribute('data-report-charts', String(views.length));
    // Whether anything makes the page wider than the window (charts scroll inside their own box).
    root.setAttribute('data-report-overflow', String(root.scrollWidth > root.clientWidth + 1));
    // Charts drawn to their box's width with a text past the drawing's right edge (a legend wider
    // than the chart): Vega clips it, so the reader never sees it.
    const clipped = views.filter((entry) => {
      const svg = entry.fit ? entry.container.querySelector('svg') : null;
      if (!svg) return false;
      const edge = svg.getBoundingClientRect().right + 1;
      return Array.from(svg.querySelectorAll('text')).some((text) => text.getBoundingClientRect().right > edge);
    });
    root.setAttribute('data-report-clipped-charts', String(clipped.length));
    // Charts where a label drawn in the plot (a threshold's, a delegation's name) lies over an
    // axis's tick labels: the reader sees neither (the blocking threshold's label once sat on the
    // round numbers when the line ran along the chart's bottom).
    const overlaps = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 &&
      Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
    const overlapping = views.filter((entry) => {
      const svg = entry.container.querySelector('svg');
      if (!svg) return false;
      const ticks = Array.from(svg.querySelectorAll('.role-axis-label text')).map((text) => text.getBoundingClientRect());
      return Array.from(svg.querySelectorAll('.mark-text.role-mark text')).some((text) => {
        const box = text.getBoundingClientRect();
        return box.width > 0 && ticks.some((tick) => overlaps(box, tick));
      });
    });
    root.setAttribute('data-report-overlapping-labels', String(overlapping.length));
    // Milliseconds from the start of loading to the last chart drawn: the tests hold a large
    // run's page to a budget.
    root.setAttribute('data-report-ms', String(Math.round(performance.now())));
    root.setAttribute('data-report', errors.length ? 'error' : 'rendered');
  }, (error) => {
    noteError(error && error.message || error);
    root.setAttribute('data-report', 'error');
  });
})();
