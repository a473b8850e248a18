// negsim room: the seat's and the teacher's pages. The server sends the whole state on every
// change (server-sent events); the page redraws from it, so a reload or a dropped connection
// loses nothing. Nothing is fetched but this room's own API.
(function () {
  'use strict';
  const config = JSON.parse(document.getElementById('negsim-room').textContent);
  const api = '/api/' + config.kind + '/' + config.token;
  const main = document.getElementById('room');
  const status = document.getElementById('status');
  const WORDS = {support: 'support', aside: 'stand aside', object: 'object'};
  const RESPONSES = ['support', 'aside', 'object'];
  const RESPONSE_FILLS = ['url(#negsim-fill-support)', 'url(#negsim-fill-aside)', 'url(#negsim-fill-object)'];
  const RESPONSE_COLOURS = ['#4fb38f', '#f2c14e', '#e07b54'];
  const BLOC_COLOURS = ['#0b5cad', '#b8420f', '#2e7d32', '#6a3d9a', '#8c6d00', '#00796b', '#c2185b', '#455a64'];
  // Tests (and only tests) may ask the page to press an answer button itself: #answer=support.
  const autoAnswer = (location.hash.match(/answer=(support|aside|object)/) || [])[1];

  let state = null;
  let receivedAt = 0;
  let formRound = -1;
  let chartKey = '';
  let sending = false;
  let message = '';

  function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (className) node.className = className;
    return node;
  }
  function section(id, title) {
    let node = document.getElementById(id);
    if (!node) {
      node = element('section');
      node.id = id;
      main.appendChild(node);
    }
    node.textContent = '';
    if (title) node.appendChild(element('h2', title));
    return node;
  }
  // One rendering of a number in every page (sim/report/format.js, the twin of negsim::format_decimal).
  const formatDecimal = window.negsimFormat.decimal;
  function fixed2(value) { return formatDecimal(value, 2); }
  function word(response) { return WORDS[response] || response || '—'; }

  function secondsLeft() {
    if (!state) return 0;
    if (state.phase !== 'answering') return state.seconds_left;
    return Math.max(0, state.seconds_left - (Date.now() - receivedAt) / 1000);
  }
  function clock(seconds) {
    const whole = Math.ceil(seconds);
    return Math.floor(whole / 60) + ':' + String(whole % 60).padStart(2, '0');
  }

  // The same words as the story's and play's (sim/narrate.cpp, sim/play.cpp).
  function lastRoundNote() {
    return state.final_text
      ? 'The last round: ' + state.final_text_words + '. No amendment can follow it.'
      : 'The last round: no text follows this one, so the chair can weigh no amendment.';
  }
  function tableHeading(phase) {
    if (phase === 'ended') {
      // A session ended by the teacher decided nothing: its draft (the chair's repairs of the last
      // round included) is not a final text.
      const outcome = state.room.outcome;
      return outcome && outcome.interrupted ? 'The draft as the session ended (nothing was decided)' : 'The final text';
    }
    return state.final_text ? 'The presidency\'s final text, take it or leave it' : 'The text on the table';
  }

  function statusText() {
    if (!state) return 'Connecting…';
    const round = 'Round ' + state.round + ' of ' + state.room.max_rounds + (state.final_text ? ', the presidency\'s final text' : state.last_round ? ', the last' : '');
    switch (state.phase) {
      case 'waiting': return 'Waiting for the teacher to start the session.';
      case 'answering': return round + ' · ' + state.answered + ' of ' + state.seat_count + ' seats answered · ' +
        clock(secondsLeft()) + ' left';
      case 'paused': return round + ' · paused by the teacher · ' + clock(state.seconds_left) + ' left';
      case 'counting': return round + ' · the chair counts the answers…';
      case 'ended': return 'The session has ended.';
    }
    return '';
  }
  function tick() {
    status.textContent = statusText() + (message ? ' · ' + message : '');
    status.className = 'status phase-' + (state ? state.phase : 'connecting') +
      (state && state.phase === 'answering' && secondsLeft() < 30 ? ' hurry' : '');
  }

  // ------------------------------------------------------------------ shared parts

  function renderDraft(container, draft, stance) {
    const list = element('ol', null, 'draft');
    (draft || []).forEach((paragraph, index) => {
      const item = element('li', null, paragraph.changed ? 'changed' : '');
      const own = stance ? stance[index] : null;
      if (own && own.crossed) item.classList.add('contested');
      const heading = element('h3', paragraph.title);
      if (paragraph.changed) heading.appendChild(element('span', 'changed', 'badge changed'));
      if (own && own.crossed) heading.appendChild(element('span', 'crosses your red line', 'badge'));
      item.appendChild(heading);
      item.appendChild(element('p', paragraph.text));
      if (paragraph.changed) {
        const before = element('p', null, 'meta');
        if (paragraph.same_words) {
          before.textContent = 'Same words, moved on the scale: ' + paragraph.previous_value_text + ' → ' + paragraph.value_text;
        } else {
          before.appendChild(document.createTextNode('Before: '));
          before.appendChild(element('del', paragraph.previous_text));
          before.appendChild(document.createTextNode(' (' + paragraph.previous_value_text + ' → ' + paragraph.value_text + ')'));
        }
        item.appendChild(before);
      } else {
        item.appendChild(element('p', 'On the scale: ' + paragraph.value_text, 'meta'));
      }
      if (own) {
        // The value and weight first: the wording ends with its own full stop.
        let line = 'You want ' + fixed2(own.position) + ' (weight ' + formatDecimal(own.salience * 100, 0) +
          '%): ' + own.position_text;
        if (!/[.!?]["')]?$/.test(line)) line += '.';
        if (own.red_line_min !== null) line += ' Red line: at least ' + fixed2(own.red_line_min) + '.';
        if (own.red_line_max !== null) line += ' Red line: at most ' + fixed2(own.red_line_max) + '.';
        item.appendChild(element('p', line, 'stance'));
      }
      list.appendChild(item);
    });
    container.appendChild(list);
  }

  function renderAnswers(container, lastRound) {
    if (!lastRound || !lastRound.round) {
      if (state.phase !== 'waiting') container.appendChild(element('p', 'The room answers this text for the first time: its answers show here once the round is counted.', 'hint'));
      return;
    }
    container.appendChild(element('p', 'How the room answered round ' + lastRound.round + ':', 'hint'));
    const groups = element('div', null, 'answer-groups');
    RESPONSES.forEach((response) => {
      const names = lastRound.answers.filter((row) => row.response === response);
      const box = element('div', null, 'answer-group answer-' + response);
      box.appendChild(element('h3', word(response) + ' (' + names.length + ')'));
      const list = element('ul');
      names.forEach((row) => {
        const item = element('li', row.name);
        if (row.by !== 'model') item.appendChild(element('span', row.by === 'team' ? 'team' : 'model, no answer', 'tag'));
        list.appendChild(item);
      });
      box.appendChild(list);
      groups.appendChild(box);
    });
    container.appendChild(groups);
  }

  function renderOutcome() {
    if (state.phase !== 'ended' || !state.room.outcome) return;
    const box = section('outcome', 'Outcome');
    box.appendChild(element('pre', state.room.outcome.summary, 'summary'));
    if (config.kind === 'teacher') renderDebrief(box);
    // First on the page once the session has ended: what a team looks for then is how it ended,
    // not the closed answer form (seat) or the seats' grid (teacher).
    const first = document.getElementById(config.kind === 'teacher' ? 'text' : 'answer');
    if (first && first !== box) main.insertBefore(box, first);
  }

  function renderDebrief(container) {
    const debrief = state.room.debrief || [];
    if (!debrief.length) return;
    container.appendChild(element('h2', 'Debrief: the teams and the model'));
    container.appendChild(element('p', 'For each team and round: what the team answered, and what the model would have ' +
      'answered in its place with everything else as it was.', 'hint'));
    const wrap = element('div', null, 'table-wrap');
    const table = element('table');
    const head = element('tr');
    ['Delegation', 'Round', 'Answer', 'By', 'The model would have'].forEach((title) => head.appendChild(element('th', title)));
    table.appendChild(head);
    debrief.forEach((seat) => seat.rounds.forEach((row) => {
      const line = element('tr', null, row.by === 'team' && row.model_answer && row.model_answer !== row.response ? 'differs' : '');
      [seat.name, row.round, word(row.response) + (row.amendment ? ' + amendment (' + row.amendment.issue + ' to ' + fixed2(row.amendment.value) + ')' : ''),
        row.by === 'team' ? 'team' : 'model (no answer in time)', word(row.model_answer)].forEach((cell) => line.appendChild(element('td', cell)));
      table.appendChild(line);
    }));
    wrap.appendChild(table);
    container.appendChild(wrap);
  }

  // ------------------------------------------------------------------ the seat

  function post(path, body) {
    return fetch(api + path, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body || {})})
      .then((response) => response.json().then((data) => ({ok: response.ok, data: data})));
  }

  function answer(response, amendment) {
    if (sending || !state) return;
    sending = true;
    message = 'sending…';
    tick();
    const body = {round: state.round, response: response};
    if (amendment) body.amendment = amendment;
    post('/answer', body).then((result) => {
      sending = false;
      message = result.ok ? '' : result.data.error;
      tick();
      if (result.ok) refresh();
    }).catch(() => { sending = false; message = 'could not reach the room; try again'; tick(); });
  }

  function renderAnswerForm(container) {
    const seat = state.seat;
    const open = state.phase === 'answering' || state.phase === 'paused';
    if (state.answer) {
      const done = element('p', null, 'answered');
      done.appendChild(element('strong', 'You answered: ' + word(state.answer.response)));
      if (state.answer.amendment) {
        done.appendChild(document.createTextNode(' and proposed ' + state.answer.amendment.issue + ' to ' + fixed2(state.answer.amendment.value)));
      }
      done.appendChild(document.createTextNode('. Waiting for the other seats.'));
      container.appendChild(done);
      return;
    }
    if (!open) {
      container.appendChild(element('p', state.phase === 'waiting' ? 'The text appears when the teacher starts the session.' : 'No round is open for answers.', 'hint'));
      return;
    }
    container.appendChild(element('p', 'Your brief suggests: ' + seat.advice, 'advice'));
    if (state.last_round) container.appendChild(element('p', lastRoundNote(), 'last-round'));
    const buttons = element('div', null, 'controls answers');
    RESPONSES.forEach((response) => {
      const button = element('button', word(response), 'answer-' + response);
      button.type = 'button';
      button.dataset.response = response;
      button.addEventListener('click', () => answer(response));
      buttons.appendChild(button);
    });
    container.appendChild(buttons);
    if (state.room.amendments && !state.last_round) {
      const form = element('form', null, 'controls amend');
      form.appendChild(element('span', 'Or object and propose:'));
      const select = element('select');
      select.setAttribute('aria-label', 'paragraph to amend');
      (state.room.draft || []).forEach((paragraph) => {
        const option = element('option', paragraph.title);
        option.value = paragraph.id;
        select.appendChild(option);
      });
      const value = element('input');
      value.type = 'number';
      value.min = '0';
      value.max = '1';
      value.step = '0.05';
      value.required = true;
      value.setAttribute('aria-label', 'new value, 0 to 1');
      const suggest = () => {
        const index = select.selectedIndex;
        const now = state.room.draft[index].value;
        const want = seat.stance[index].position;
        value.value = Math.min(1, Math.max(0, now + 0.5 * (want - now))).toFixed(2);
      };
      select.addEventListener('change', suggest);
      suggest();
      const submit = element('button', 'object and amend');
      submit.type = 'submit';
      form.appendChild(select);
      form.appendChild(value);
      form.appendChild(submit);
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        answer('amend', {issue: select.value, value: Number(value.value)});
      });
      container.appendChild(form);
    }
  }

  // What the text is worth to the seat against its thresholds, in words and on a bar.
  function renderNumbers(box, seat) {
    const numbers = element('p', null, 'numbers');
    // A support threshold conceded below the blocking line does not make the seat support: it
    // objects below that line first (docs/MODEL.md section 4). The same words as play's.
    // Each line printed apart from the utility and the utility apart from every line, as play does.
    const apart = window.negsimFormat.placesApart;
    const supportPlaces = apart(seat.utility, seat.support_threshold);
    const alonePlaces = apart(seat.utility, seat.blocking_alone);
    const companyPlaces = apart(seat.utility, seat.blocking_with_others);
    const blocking = formatDecimal(seat.blocking_alone, alonePlaces) + ' when objecting alone (below ' +
      formatDecimal(seat.blocking_with_others, companyPlaces) + ' with others beside you)';
    const support = formatDecimal(seat.support_threshold, supportPlaces);
    numbers.textContent = 'This text is worth ' +
      formatDecimal(seat.utility, Math.max(supportPlaces, alonePlaces, companyPlaces)) + ' to you' +
      (seat.perception_note || '') + '. ' +
      (seat.support_threshold < seat.blocking_alone
        ? 'Your support threshold (' + support + ') has fallen below the line where you block: you object below ' + blocking + ', and support otherwise.'
        : 'You support at ' + support + ' or more this round; you block below ' + blocking + '.');
    box.appendChild(numbers);
    const meter = element('div', null, 'meter');
    meter.setAttribute('aria-hidden', 'true');
    const mark = (value, className) => {
      const tick = element('span', null, className);
      tick.style.left = Math.max(0, Math.min(100, value * 100)) + '%';
      meter.appendChild(tick);
    };
    mark(seat.blocking_alone, 'mark block');
    mark(seat.support_threshold, 'mark support');
    mark(seat.utility, 'mark utility');
    box.appendChild(meter);
    box.appendChild(element('p', 'On the bar from 0 to 1: the solid mark is what the text is worth to you, the dashed ' +
      'one your support threshold, the dotted one where you block alone.', 'meta'));
  }

  // The rules of the room in the words of the brief and of play (negsim::rules_of_the_room).
  function renderRules(container, heading) {
    if (!state.rules || !state.rules.length) return;
    if (heading) container.appendChild(element('h3', 'The rules of the room'));
    const list = element('ul', null, 'rules');
    state.rules.forEach((rule) => list.appendChild(element('li', rule)));
    container.appendChild(list);
  }

  function renderSeat() {
    const seat = state.seat;
    if (!seat || !seat.id) {
      const box = section('answer', 'Your delegation');
      renderAnswerForm(box);
      renderRules(box, true);
      return;
    }
    document.title = seat.name + ' · ' + state.room.title;
    const key = state.round + '|' + state.phase + '|' + JSON.stringify(state.answer);
    if (key !== formRound) {
      formRound = key;
      const box = section('answer', seat.name + ': your answer');
      renderAnswerForm(box);
      if (state.phase !== 'waiting') renderNumbers(box, seat);
      const text = section('text', tableHeading(state.phase));
      if (state.phase === 'waiting') {
        text.appendChild(element('p', 'The chair tables the text when the teacher starts the session.', 'hint'));
      } else {
        renderDraft(text, state.room.draft, state.phase === 'ended' ? null : seat.stance);
      }
      const room = section('last', 'The room');
      renderAnswers(room, state.room.last_round);
      const brief = section('brief', 'Your brief');
      brief.appendChild(element('p', (seat.bloc ? 'Bloc: ' + seat.bloc + (seat.allies.length ? ', with ' + seat.allies.join(', ') : '') + '.' : 'You belong to no bloc.')));
      const history = seat.history || [];
      if (history.length) {
        const list = element('ul');
        history.forEach((row) => list.appendChild(element('li', 'Round ' + row.round + ': ' + word(row.response) +
          (row.by === 'team' ? '' : ' (the model answered: no answer in time)'))));
        brief.appendChild(element('h3', 'Your answers so far'));
        brief.appendChild(list);
      }
      renderRules(brief, true);
      renderOutcome();
    }
    if (autoAnswer && (state.phase === 'answering') && !state.answer && !sending) {
      const button = document.querySelector('button[data-response="' + autoAnswer + '"]');
      if (button) button.click();
    }
  }

  // ------------------------------------------------------------------ the teacher

  function teacherAction(action, body) {
    post('/' + action, body).then((result) => { message = result.ok ? '' : result.data.error; tick(); refresh(); });
  }

  function draw(container, spec) {
    if (typeof vega === 'undefined') return;
    spec.width = Math.max(260, Math.floor(container.clientWidth || 600) - 2);
    spec.autosize = {type: 'fit-x', contains: 'padding'};
    new vega.View(vega.parse(spec), {renderer: 'svg', container: container}).runAsync();
  }

  function sharesSpec() {
    return {
      height: 200, padding: 5, title: {text: 'Responses by round (share of power)', anchor: 'start', fontSize: 14},
      data: [{name: 'rows', values: state.room.shares, transform: [{type: 'stack', groupby: ['round'], field: 'power', sort: {field: 'order'}}]}],
      scales: [
        {name: 'x', type: 'band', domain: {data: 'rows', field: 'round'}, range: 'width', padding: 0.25},
        {name: 'y', type: 'linear', domain: [0, 1], range: 'height'},
        {name: 'fill', type: 'ordinal', domain: RESPONSES, range: RESPONSE_COLOURS}
      ],
      axes: [{orient: 'bottom', scale: 'x', title: 'Round'}, {orient: 'left', scale: 'y', format: '.0%', grid: true, title: 'Share of power'}],
      legends: [{fill: 'fill', orient: 'top', direction: 'horizontal', title: 'Response',
        encode: {labels: {update: {text: {signal: "datum.value === 'aside' ? 'stand aside' : datum.value"}}}}}],
      marks: [{type: 'rect', from: {data: 'rows'}, encode: {enter: {
        x: {scale: 'x', field: 'round'}, width: {scale: 'x', band: 1}, y: {scale: 'y', field: 'y1'}, y2: {scale: 'y', field: 'y0'},
        fill: {scale: 'fill', field: 'response'}, stroke: {value: '#333'}, strokeWidth: {value: 0.5},
        tooltip: {signal: "{'Round': datum.round, 'Response': datum.response, 'Delegations': datum.count, 'Power': format(datum.power, '.0%')}"}}}}]
    };
  }

  function utilitySpec() {
    const blocs = state.room.blocs.map((bloc) => bloc.id);
    const seats = state.room.seats.map((seat) => seat.id);
    return {
      height: 280, padding: 5, title: {text: 'Utility of the tabled text (thick: the class\u2019s seats)', anchor: 'start', fontSize: 14},
      signals: [{name: 'seats', value: seats}],
      data: [{name: 'rows', values: state.room.utility}],
      scales: [
        {name: 'x', type: 'point', domain: {data: 'rows', field: 'round', sort: true}, range: 'width', padding: 0.5},
        {name: 'y', type: 'linear', domain: {data: 'rows', fields: ['utility', 'support', 'blocking']}, range: 'height', nice: true, zero: false},
        {name: 'colour', type: 'ordinal', domain: blocs, range: blocs.map((_, j) => BLOC_COLOURS[j % BLOC_COLOURS.length])},
        {name: 'shape', type: 'ordinal', domain: RESPONSES, range: ['circle', 'diamond', 'cross']}
      ],
      axes: [{orient: 'bottom', scale: 'x', title: 'Round'}, {orient: 'left', scale: 'y', grid: true, title: 'Utility'}],
      legends: [{shape: 'shape', orient: 'top', direction: 'horizontal', title: 'Response', symbolFillColor: '#fff', symbolStrokeColor: '#222'}],
      marks: [
        {type: 'group', from: {facet: {name: 'series', data: 'rows', groupby: ['delegation', 'bloc']}}, marks: [
          {type: 'line', from: {data: 'series'}, encode: {enter: {x: {scale: 'x', field: 'round'}, y: {scale: 'y', field: 'utility'},
            stroke: {scale: 'colour', field: 'bloc'}, strokeWidth: {signal: 'indexof(seats, datum.delegation) >= 0 ? 3.5 : 1.2'},
            strokeOpacity: {signal: 'indexof(seats, datum.delegation) >= 0 ? 1 : 0.45'}}}}]},
        {type: 'symbol', from: {data: 'rows'}, encode: {enter: {x: {scale: 'x', field: 'round'}, y: {scale: 'y', field: 'utility'},
          shape: {scale: 'shape', field: 'response'}, stroke: {scale: 'colour', field: 'bloc'}, fill: {value: '#fff'},
          size: {signal: 'indexof(seats, datum.delegation) >= 0 ? 80 : 25'},
          tooltip: {signal: "{'Delegation': datum.name, 'Round': datum.round, 'Response': datum.response, 'By': datum.by, 'Utility': format(datum.utility, '.2f'), 'Support threshold': format(datum.support, '.2f')}"}}}}
      ]
    };
  }

  function renderTeacher() {
    const controls = section('controls', null);
    const bar = element('div', null, 'controls');
    const button = (label, action, enabled, body) => {
      const node = element('button', label);
      node.type = 'button';
      node.dataset.action = action;
      node.disabled = !enabled;
      node.addEventListener('click', () => teacherAction(action, body));
      bar.appendChild(node);
    };
    const phase = state.phase;
    button('Start', 'start', phase === 'waiting');
    button(phase === 'paused' ? 'Resume' : 'Pause', phase === 'paused' ? 'resume' : 'pause', phase === 'answering' || phase === 'paused');
    button('+1 minute', 'extend', phase === 'answering' || phase === 'paused', {seconds: 60});
    button('End session', 'end', phase !== 'ended');
    controls.appendChild(bar);

    const seats = section('seats', phase === 'answering' || phase === 'paused'
      ? 'Seats (' + state.answered + ' of ' + state.seat_count + ' answered)' : 'Seats');
    const grid = element('ul', null, 'seat-grid');
    state.seats.forEach((seat) => {
      const open = phase === 'answering' || phase === 'paused';
      const item = element('li', seat.name, seat.answered && open ? 'seat answered' : 'seat');
      if (open) item.appendChild(element('span', seat.answered ? 'answered' : 'thinking…', 'tag'));
      grid.appendChild(item);
    });
    seats.appendChild(grid);
    const links = element('details');
    links.appendChild(element('summary', 'Join links (hand each team only its own)'));
    const list = element('ul', null, 'links');
    state.seats.forEach((seat) => {
      const item = element('li', seat.name + ': ');
      item.appendChild(element('code', seat.link));
      list.appendChild(item);
    });
    links.appendChild(list);
    seats.appendChild(links);

    const key = state.round + '|' + (phase === 'ended');
    if (key !== chartKey) {
      chartKey = key;
      const text = section('text', tableHeading(phase));
      renderDraft(text, state.room.draft, null);
      const room = section('last', 'The room');
      renderAnswers(room, state.room.last_round);
      renderRules(section('rules', 'The rules of the room'), false);
      const charts = section('charts', 'Charts');
      if (state.room.utility.length) {
        const pair = element('div', null, 'pair');
        const left = element('div', null, 'chart');
        const right = element('div', null, 'chart');
        left.id = 'chart-responses';
        right.id = 'chart-utility';
        pair.appendChild(left);
        pair.appendChild(right);
        charts.appendChild(pair);
        draw(left, sharesSpec());
        draw(right, utilitySpec());
      } else {
        charts.appendChild(element('p', 'The charts appear once the first round is answered.', 'hint'));
      }
      renderOutcome();
    }
  }

  // ------------------------------------------------------------------ updates

  function apply(next) {
    if (state && next.version < state.version) return;  // an older answer overtaken by a newer one
    state = next;
    receivedAt = Date.now();
    if (config.kind === 'teacher') renderTeacher(); else renderSeat();
    document.body.dataset.phase = state.phase;
    document.body.dataset.round = String(state.round);
    tick();
  }
  function refresh() {
    fetch(api + '/state').then((response) => response.json()).then(apply).catch(() => {});
  }

  refresh();
  // #poll: ask every second instead of keeping an event stream open. Browsers without
  // EventSource do this anyway; headless Chromium's virtual time (the tests) never ends while a
  // stream is open.
  if (typeof EventSource !== 'undefined' && !/poll/.test(location.hash)) {
    const source = new EventSource(api + '/events');
    source.onmessage = (event) => apply(JSON.parse(event.data));
    source.onerror = () => { message = 'reconnecting…'; tick(); };
    source.onopen = () => { message = ''; tick(); };
  } else {
    setInterval(refresh, 1000);
  }
  setInterval(tick, 250);
})();
