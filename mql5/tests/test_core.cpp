// test_core.cpp -- runs the MQL5 core (mql5/Include/CopyTrade/*.mqh) under g++.
//
// Usage: test_core CASES_FILE
// CASES_FILE is written by tests/mql5/test_mql5_core.py from the shared protocol vectors
// (tests/fixtures/protocol_vectors.json) and from the Python domain reference (symbols.py,
// lots.py): one case per line, tab-separated, every string hex-encoded (ASCII hex of its
// UTF-8 bytes) so nothing needs escaping. Record kinds:
//   V name direction valid line encoded code field [key value]...   protocol vector
//   B symbol base                                                    symbol_base
//   M master map followers(comma separated) expected                 match_symbol
//   P text ok wire                                                   parse_symbol_map
//   F volume vmin vmax step fitted tradable                          fit_volume/is_tradable
//   S text default_port valid canonical                             parse_servers (InpServers)
// Then the unit tests below run. Exit status 0 only if every check passed.
#include "mql5_shim.h"

#include <CopyTrade/Protocol.mqh>
#include <CopyTrade/Symbols.mqh>
#include <CopyTrade/Volume.mqh>
#include <CopyTrade/Tags.mqh>
#include <CopyTrade/Backoff.mqh>
#include <CopyTrade/Outbox.mqh>
#include <CopyTrade/MasterTracker.mqh>
#include <CopyTrade/State.mqh>
#include <CopyTrade/Pnl.mqh>
#include <CopyTrade/Servers.mqh>

#include <fstream>
#include <iostream>
#include <map>
#include <vector>

static int g_checks = 0;
static int g_failures = 0;

static void check(bool ok, const std::string &what) {
    g_checks++;
    if (!ok) {
        g_failures++;
        std::cout << "FAIL: " << what << "\n";
    }
}

static std::string joined(const std::vector<std::string> &lines) {
    std::string s;
    for (auto &l : lines) s += "\n    " + l;
    return s;
}

static void check_eq(const std::string &got, const std::string &want, const std::string &what) {
    check(got == want, what + ": got '" + got + "', want '" + want + "'");
}

static std::string unhex(const std::string &h) {
    std::string out;
    for (size_t i = 0; i + 1 < h.size(); i += 2)
        out.push_back((char)std::stoi(h.substr(i, 2), nullptr, 16));
    return out;
}

static std::vector<std::string> split_tabs(const std::string &line) {
    std::vector<std::string> parts;
    size_t start = 0;
    while (true) {
        size_t tab = line.find('\t', start);
        parts.push_back(unhex(line.substr(start, tab == std::string::npos ? std::string::npos
                                                                          : tab - start)));
        if (tab == std::string::npos) break;
        start = tab + 1;
    }
    return parts;
}

static std::string printable(const std::string &s) {
    std::string out;
    for (unsigned char c : s) {
        if (c >= 0x20 && c < 0x7f) out.push_back((char)c);
        else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        }
    }
    return out.size() > 120 ? out.substr(0, 120) + "..." : out;
}

// --- shared protocol vectors -------------------------------------------------------------

static int g_vectors = 0;

static void run_vector(const std::vector<std::string> &f) {
    g_vectors++;
    const std::string &name = f[1];
    int dir = f[2] == "server_to_ea" ? CT_SERVER_TO_EA : CT_EA_TO_SERVER;
    bool valid = f[3] == "1";
    const std::string &raw = f[4];
    std::string where = "vector '" + name + "' (" + f[2] + ") " + printable(raw);

    CTByteLine bytes;
    for (unsigned char c : raw) bytes.Push((uchar)c);
    CTMessage m;
    bool ok = bytes.Parse(dir, m);
    if (!valid) {
        check(!ok, where + ": parsed, expected an error");
        check_eq(m.error, f[6], where + ": error code");
        check_eq(m.errorField, f[7], where + ": error field");
        return;
    }
    check(ok, where + ": not parsed: " + m.error + " " + m.errorField + " " + m.errorText);
    if (!ok) return;
    std::map<std::string, std::string> want, got;
    for (size_t i = 8; i + 1 < f.size(); i += 2) want[f[i]] = f[i + 1];
    got["type"] = m.type;
    if (m.extraName != "") got[m.extraName] = m.extraValue;
    for (int i = 0; i < m.count; i++)
        if (m.present[i]) got[m.names[i]] = m.values[i];
    for (auto &kv : want) {
        auto it = got.find(kv.first);
        check(it != got.end() && it->second == kv.second,
              where + ": field " + kv.first + " = '" + (it == got.end() ? "<absent>" : it->second) +
                  "', want '" + kv.second + "'");
    }
    for (auto &kv : got)
        check(want.count(kv.first) == 1, where + ": unexpected field " + kv.first);
    std::string line;
    bool encoded = CT_Encode(m, dir, line);
    check(encoded, where + ": encode failed: " + m.errorField + " " + m.errorText);
    std::string canonical = f[5].empty() ? raw : f[5];
    check_eq(line, canonical, where + ": encoded");
    // The canonical form parses back to the same fields.
    CTMessage again;
    check(CT_ParseLine(line, dir, again) && again.Describe() == m.Describe(),
          where + ": canonical line parses back differently");
}

// --- domain cases from the Python reference ----------------------------------------------

static void run_base(const std::vector<std::string> &f) {
    check_eq(CT_SymbolBase(f[1]), f[2], "symbol_base(" + f[1] + ")");
}

static void run_match(const std::vector<std::string> &f) {
    CTSymbolMap map;
    string error;
    check(map.Parse(f[2], error), "map '" + f[2] + "' parses: " + error);
    CTSymbolIndex index;
    size_t start = 0;
    while (!f[3].empty()) {
        size_t comma = f[3].find(',', start);
        index.Add(f[3].substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    string candidates;
    check_eq(CT_MatchSymbol(f[1], map, index, candidates), f[4],
             "match_symbol(" + f[1] + ", map '" + f[2] + "', [" + f[3] + "])");
}

static void run_parse_map(const std::vector<std::string> &f) {
    CTSymbolMap map;
    string error;
    bool ok = map.Parse(f[1], error);
    check(ok == (f[2] == "1"), "parse_symbol_map('" + printable(f[1]) + "') ok=" +
                                   (ok ? "1" : "0") + " error=" + error);
    if (ok && f[2] == "1") check_eq(map.WireText(), f[3], "wire form of '" + printable(f[1]) + "'");
}

static void run_fit(const std::vector<std::string> &f) {
    double volume = StringToDouble(f[1]), vmin = StringToDouble(f[2]);
    double vmax = StringToDouble(f[3]), step = StringToDouble(f[4]);
    double fitted = CT_FitVolume(volume, vmin, vmax, step);
    std::string where = "fit_volume(" + f[1] + ", min " + f[2] + ", max " + f[3] + ", step " +
                        f[4] + ")";
    check_eq(CT_VolumeText(fitted, step), f[5], where);
    check_eq(CT_IsTradableVolume(fitted, vmin, step) ? "1" : "0", f[6], where + " tradable");
}

static void run_servers(const std::vector<std::string> &f) {
    CTServerList list;
    string error;
    bool ok = list.Parse(f[1], (int)StringToInteger(f[2]), error);
    std::string where = "parse_servers('" + printable(f[1]) + "', " + f[2] + ")";
    check(ok == (f[3] == "1"), where + " ok=" + (ok ? "1" : "0") + " error=" + error);
    if (ok && f[3] == "1") check_eq(list.Wire(), f[4], where);
    if (!ok) check(!error.empty() && list.count == 0, where + ": an error names the problem");
}

static void test_server_failover() {
    CTServerList list;
    string error;
    check(list.Parse("a:1,b:2,c:3", 5555, error), "three servers parse");
    check(list.NextIndex(0, false) == 1 && list.NextIndex(2, false) == 0,
          "an attempt that never logged in moves to the next address, wrapping");
    check(list.NextIndex(1, true) == 1, "a logged-in link that dropped retries the same address");
    check(list.Single("127.0.0.1", 5555, error) && list.Wire() == "127.0.0.1:5555",
          "the single host/port: " + error);
    check(!list.Single("127.0.0.1", 0, error) && !list.Single("127.0.0.1", 65536, error) &&
              !list.Single("", 5555, error) && !list.Single("a:1", 5555, error) &&
              !list.Single("a b", 5555, error),
          "a bad single host/port is refused");
}

// --- unit tests ----------------------------------------------------------------------------

static void test_line_reader() {
    CTLineReader r;
    std::string stream = std::string("\0PING|1\r\n\n", 10) + "OK|master|1|17|10\n" +
                         std::string(5000, 'X') + "\nPONG|2\n" + "PING|3\r" + std::string("\0", 1) +
                         "\n";
    std::vector<std::string> got;
    for (unsigned char c : stream) {
        int status = r.Push((uchar)c);
        if (status == CT_LINE_TOO_LONG) got.push_back("TOO_LONG");
        if (status == CT_LINE_READY) {
            CTMessage m;
            got.push_back(r.Parse(CT_SERVER_TO_EA, m) ? m.Describe() : "ERR " + m.error);
        }
    }
    std::vector<std::string> want = {"Ping seq=1", "AuthOk role=master version=1 account_id=17 heartbeat_s=10",
                                     "TOO_LONG", "Pong seq=2", "Ping seq=3"};
    check(got == want, "line reader splits, strips and discards overlong lines");
    // 4095 bytes + \n is the longest line; 4096 + \n is too long.
    CTLineReader r2;
    std::string ok = "ERR|INTERNAL|" + std::string(4095 - 13, 'x');
    int last = CT_LINE_NONE;
    for (unsigned char c : ok + "\n") last = r2.Push((uchar)c);
    check(last == CT_LINE_READY, "a 4095-byte line is accepted by the framing");
    int tooLong = 0;
    for (unsigned char c : ok + "y\n")
        if (r2.Push((uchar)c) == CT_LINE_TOO_LONG) tooLong++;
    check(tooLong == 1, "a 4096-byte line is reported once as too long");
}

static void test_encoders() {
    check_eq(CT_LineAuth("key", "", "CopyTradeMaster/1.0"), "AUTH|key|1||CopyTradeMaster/1.0",
             "AUTH line of the master");
    check_eq(CT_LineMasterOpen("BUY", "EURUSD", "1.08450", "0.10", "1.08000", "1.09000", "123456", ""),
             "CMD_OPEN|BUY|EURUSD|1.0845|0.1|1.08|1.09|123456", "seed CMD_OPEN line, shortest form");
    check_eq(CT_LineMasterOpen("BUY", "EURUSD", CT_Dec(1.0845, 5), CT_Dec(0.1, 2), CT_Dec(0, 5),
                               CT_Dec(0, 5), "123456", "1717000000123"),
             "CMD_OPEN|BUY|EURUSD|1.0845|0.1|0|0|123456|1717000000123",
             "CMD_OPEN with open time");
    check_eq(CT_LineNack("OPEN", "7", 10019, "No|money\ttoday"), "NACK_OPEN|7|10019|No money today",
             "NACK text is sanitised");
    check(CT_LineNack("OPEN", "7", 0, std::string(300, 'a')).size() == 14 + 200, "text cut to 200");
    check_eq(CT_LineMasterOpen("BUY", "EUR USD", "1", "1", "0", "0", "1", ""), "",
             "an invalid symbol is refused, not sent");
    check_eq(CT_LineMasterClose("1", "2", CT_Dec(-0.0, 2), "1", "0", "0", "SO"), "",
             "a zero volume is refused");
    check_eq(CT_Dec(-0.0000001, 2), "0.00", "no negative zero");
    check_eq(CT_Dec(0.0 / 0.0, 2), "NaN", "NaN is marked and refused");
    check_eq(CT_LineRules("MULTIPLIER", "2.0", false, "0.01", "XAUUSD=GOLD,US30=DJ30"),
             "RULES|MULTIPLIER|2|0|0.01|XAUUSD=GOLD,US30=DJ30", "RULES line");
    // Numbers go out in their shortest exact form, within their column's range (section 3).
    check_eq(CT_LineMasterOpen("BUY", "EURUSD", CT_Dec(1000000.12, 10), CT_Dec(0.1, 8), "0", "0",
                               "1", ""),
             "CMD_OPEN|BUY|EURUSD|1000000.12|0.1|0|0|1", "CT_Dec stops at 8 decimals (no noise)");
    check_eq(CT_LineMasterOpen("BUY", "EURUSD", "1.123456789", "0.1", "0", "0", "1", ""), "",
             "a price with 9 decimals is refused, not rounded");
    check_eq(CT_LineMasterOpen("BUY", "EURUSD", "1.1", "0.12345", "0", "0", "1", ""), "",
             "a lot with 5 decimals is refused, not rounded");
    check_eq(CT_LineMasterOpen("BUY", "EURUSD", "1.1", "100000000", "0", "0", "1", ""), "",
             "a lot above 99999999.9999 is refused");
    check_eq(CT_LineAccount(CT_Dec(-0.001, 2), "10250.50", CT_Dec(CT_MAX_PERCENT, 2), "USD", "100"),
             "ACCOUNT|0|10250.5|9999999999.99|USD|100", "ACCOUNT: shortest form, largest margin level");
    check_eq(CT_LinePnl("7", "1.08460", "1.08610", "15.00", "-0.00"), "PNL|7|1.08460|1.0861|15|0",
             "PNL keeps the digits of OPEN_PRICE only");
    check_eq(CT_LineSync(3, 1), "SYNC|3|1", "SYNC line");
    check(CT_ErrorClosesConnection("REPLACED") && !CT_ErrorClosesConnection("UNKNOWN_TICKET"),
          "which ERR codes close");
}

static void test_volume_and_prices() {
    check(CT_StepDigits(0.01) == 2 && CT_StepDigits(0.1) == 1 && CT_StepDigits(1) == 0 &&
              CT_StepDigits(0.001) == 3 && CT_StepDigits(0.05) == 2,
          "step digits");
    check_eq(CT_Dec(CT_NormalizePrice(1.084537, 0.00001), 5), "1.08454", "price to tick");
    check_eq(CT_Dec(CT_NormalizePrice(2350.13, 0.05), 2), "2350.15", "price to 0.05 tick");
    check_eq(CT_Dec(CT_NormalizePrice(0, 0.01), 2), "0.00", "no SL stays 0");
    check(CT_DeviationPoints(1.08480, 1.08450, 0.00001) == 30, "deviation in points");
    check(!CT_DeviationTooLarge(1.08480, 1.08450, 0.00001, 30), "30 points allowed at limit 30");
    check(CT_DeviationTooLarge(1.08481, 1.08450, 0.00001, 30), "31 points refused at limit 30");
    check(!CT_DeviationTooLarge(1.2, 1.08450, 0.00001, 0), "0 = no limit");
}

static void test_tags() {
    long base = CT_MAGIC_BASE_DEFAULT;
    check(CT_CopyMagic(base, 123456) == base + 123456, "magic carries the master ticket");
    check(CT_MasterTicketOf(base, base + 123456, "whatever") == 123456, "ticket from magic");
    long huge = CT_LONG_MAX - 5;
    check(CT_CopyMagic(base, huge) == base, "too large for the magic: base only");
    check(CT_MasterTicketOf(base, base, CT_CopyComment(huge)) == huge, "ticket from comment");
    check(CT_MasterTicketOf(base, 42, "CT#9") == 0, "another EA's position is not a copy");
    check(CT_TicketFromComment("CT#77 [sl]") == 77, "broker suffix on the comment");
    check(CT_TicketFromComment("CT#") == 0 && CT_TicketFromComment("XX#5") == 0, "bad comments");
}

static void test_backoff() {
    CTBackoff b;
    b.Configure(1000, 60000);
    int lows[8], highs[8];
    for (int i = 0; i < 8; i++) {
        int ceiling = b.Ceiling();
        CTBackoff lo, hi;
        lo.Configure(1000, 60000);
        hi.Configure(1000, 60000);
        lo.attempt = hi.attempt = i;
        lows[i] = lo.NextDelayMs(0);
        highs[i] = hi.NextDelayMs(32767);
        check(lows[i] == ceiling / 2 && highs[i] == ceiling, "jitter spans [d/2, d]");
        b.NextDelayMs(12345);
    }
    check(highs[0] == 1000 && highs[1] == 2000 && highs[5] == 32000 && highs[6] == 60000 &&
              highs[7] == 60000,
          "exponential, capped at the maximum");
    b.Reset();
    check(b.Ceiling() == 1000, "reset after a login");
    CTHeartbeat hb;
    hb.SetIntervalSeconds(10);
    hb.Start(1000);
    check(!hb.PingDue(10999) && hb.PingDue(11000), "PING after 10 s without sending");
    check(!hb.Dead(30999) && hb.Dead(31000), "dead after 3 heartbeats of silence");
    // Sending (ACCOUNT every second) does not postpone the PING: the server never answers
    // ACCOUNT, so only a PONG keeps "received" fresh (finding 1 of the MQL5 review).
    CTHeartbeat busy;
    busy.SetIntervalSeconds(10);
    busy.Start(0);
    for (long t = 1000; t < 10000; t += 1000) busy.Sent(t);
    check(busy.PingDue(10000), "PING when nothing was received for an interval, whatever was sent");
    busy.Pinged(10000);
    check(!busy.PingDue(15000), "at most one PING per interval");
    busy.Received(10005);
    check(!busy.PingDue(19999) && busy.PingDue(20005), "next PING one interval after the PONG");
    check(!busy.Dead(30004), "a PONG every interval keeps the link alive");
}

static void test_pnl_throttle() {
    CTPnlThrottle *p = new CTPnlThrottle();  // large: keep it off the stack
    check(p->ScanDue(1000), "first PNL scan at once");
    check(p->Offer(7, "PNL|7|1.1|1.2|10.00|0", 1000), "a new position's PNL goes out");
    check(p->Offer(8, "PNL|8|1.1|1.2|1.00|0", 1000), "each position has its own");
    p->EndScan();
    check(!p->ScanDue(1199) && p->ScanDue(1200), "positions looked at every 200 ms");
    check(!p->Offer(7, "PNL|7|1.1|1.2|10.00|0", 1200), "unchanged: not sent");
    check(!p->Offer(8, "PNL|8|1.1|1.3|2.00|0", 1200), "changed within a second: not yet");
    p->EndScan();
    check(p->ScanDue(2000), "next scan");
    check(p->Offer(8, "PNL|8|1.1|1.3|2.00|0", 2000), "changed, a second later: sent");
    p->EndScan();  // 7 not offered: its position closed
    check(p->count == 1 && p->tickets[0] == 8, "closed positions are forgotten");
    check(p->ScanDue(2200) && !p->Offer(8, "PNL|8|1.1|1.3|2.00|0", 2200), "still unchanged");
    check(p->Offer(7, "PNL|7|1.1|1.2|10.00|0", 2200), "a forgotten ticket starts afresh");
    check(!p->Offer(9, "", 2200), "an unencodable line is never sent");
    p->Reset();
    check(p->ScanDue(2300) && p->Offer(8, "PNL|8|1.1|1.3|2.00|0", 2300),
          "after a login every position's PNL goes out once more");
    delete p;
}

static std::string open_line(const std::string &ticket) {
    return CT_LineMasterOpen("BUY", "EURUSD", "1.1", "0.1", "0", "0", ticket, "");
}

static void test_outbox() {
    CTOutbox *box = new CTOutbox();  // large: keep it off the stack
    CTOutbox &o = *box;
    check(o.Add(open_line("1"), 100) && o.Add(open_line("1"), 101) && o.Count() == 1,
          "an identical event is queued once");
    o.Add(CT_LineMasterModify("1", "1.05", "0"), 102);
    o.Add(CT_LineMasterModify("1", "1.04", "0"), 103);
    check(o.Count() == 2 && o.items[1].line == "CMD_MODIFY|1|1.04|0",
          "an unsent MODIFY is replaced by the newer one");
    o.Add(CT_LineMasterClose("1", "900", "0.1", "1.2", "5.00", "0", "CLIENT"), 104);
    check(!o.Add("PING|1", 105) && o.Count() == 3, "only master events go in the outbox");
    // send in order, windowed
    int first = o.NextDue(1000);
    check(first == 0, "oldest first");
    o.MarkSent(first, 1000);
    o.MarkSent(o.NextDue(1000), 1000);
    o.MarkSent(o.NextDue(1000), 1000);
    check(o.NextDue(1001) == -1, "nothing due while waiting for STORED");
    check(!o.Ack("CLOSE", "1", "901") && o.Count() == 3, "STORED for another deal changes nothing");
    check(o.Ack("OPEN", "1", "0") && o.Count() == 2, "STORED removes the event");
    check(o.NextDue(1000 + CT_RESEND_BASE_MS) == 0, "resent on the same connection after a timeout");
    long t = 1000 + CT_RESEND_BASE_MS;
    o.MarkSent(0, t);
    o.MarkSent(1, t);
    check(o.NextDue(t + CT_RESEND_BASE_MS) == -1 && o.NextDue(t + 2 * CT_RESEND_BASE_MS) == 0,
          "resend timeout grows per attempt");
    o.OnDisconnect();
    check(o.NextDue(0) == 0, "everything is resent after a reconnect");
    // A MODIFY sent, then a newer one: both kept, acked oldest first.
    o.MarkSent(0, 5);
    o.Add(CT_LineMasterModify("1", "1.03", "0"), 6);
    check(o.Count() == 3, "a MODIFY already sent is not replaced");
    check(o.Ack("MODIFY", "1", "0") && o.items[o.Count() - 1].line == "CMD_MODIFY|1|1.03|0",
          "the newer MODIFY waits for its own STORED");
    // persistence round trip (through the state file, as after a terminal restart)
    CTMasterTracker *tr = new CTMasterTracker();
    check(CT_SaveMasterState("ct_test_state.txt", o, *tr), "state saved");
    CTOutbox *loaded = new CTOutbox();
    CTMasterTracker *tr2 = new CTMasterTracker();
    int skipped = -1;
    check(CT_LoadMasterState("ct_test_state.txt", *loaded, *tr2, skipped) && skipped == 0,
          "state loaded");
    bool same = loaded->Count() == o.Count();
    for (int i = 0; same && i < o.Count(); i++)
        same = loaded->items[i].line == o.items[i].line && !loaded->items[i].sent &&
               loaded->items[i].createdMs == o.items[i].createdMs;
    check(same, "the outbox survives a restart, in order, all unsent");
    // fill up
    CTOutbox *full = new CTOutbox();
    bool allIn = true;
    for (int i = 1; i <= CT_OUTBOX_CAPACITY; i++) allIn = allIn && full->Add(open_line(std::to_string(i)), 0);
    check(allIn && !full->Add(open_line("999999"), 0), "a full outbox refuses, the caller retries");
    check(full->Expire(10, 5) == CT_OUTBOX_CAPACITY && full->Count() == 0, "expiry by age");
    FileDelete("ct_test_state.txt");
    delete box;
    delete tr;
    delete loaded;
    delete tr2;
    delete full;
}

struct TrackerWorld {
    CTPosList *pos = new CTPosList();
    CTDealList *deals = new CTDealList();
    CTMasterTracker *tracker = new CTMasterTracker();
    CTOutbox *out = new CTOutbox();
    CTTrackerReport rep;
    ~TrackerWorld() {
        delete pos;
        delete deals;
        delete tracker;
        delete out;
    }
    void add_pos(long id, const char *side, double vol, double sl, double tp) {
        int i = pos->Append();
        pos->items[i].id = id;
        pos->items[i].symbol = "EURUSD";
        pos->items[i].side = side;
        pos->items[i].volume = vol;
        pos->items[i].priceOpen = 1.0845;
        pos->items[i].sl = sl;
        pos->items[i].tp = tp;
        pos->items[i].timeMsc = 1717000000123;
        pos->items[i].priceDigits = 5;
        pos->items[i].volumeDigits = 2;
    }
    void add_deal(long ticket, long id, double vol, double price, double profit, const char *reason) {
        int i = deals->Append();
        deals->items[i].ticket = ticket;
        deals->items[i].positionId = id;
        deals->items[i].volume = vol;
        deals->items[i].price = price;
        deals->items[i].profit = profit;
        deals->items[i].reason = reason;
    }
    std::vector<std::string> tick(long now) {
        int before = out->Count();
        tracker->Update(*pos, *deals, *out, now, rep);
        std::vector<std::string> lines;
        for (int i = before; i < out->Count(); i++) lines.push_back(out->items[i].line);
        return lines;
    }
};

static void test_tracker() {
    TrackerWorld w;
    w.add_pos(123456, "BUY", 0.20, 1.08, 1.09);
    auto lines = w.tick(1);
    check(lines.size() == 1 &&
              lines[0] == "CMD_OPEN|BUY|EURUSD|1.0845|0.2|1.08|1.09|123456|1717000000123",
          "an open is reported with the seed line plus OPEN_TIME_MS");
    check(w.tick(2).empty(), "nothing changes, nothing is sent");
    // SL moved
    w.pos->items[0].sl = 1.081;
    lines = w.tick(3);
    check(lines.size() == 1 && lines[0] == "CMD_MODIFY|123456|1.081|1.09", "SL/TP change");
    // partial close, but history is late: wait
    w.pos->items[0].volume = 0.10;
    CTIdList ids;
    w.tracker->NeedDeals(*w.pos, ids);
    check(ids.count == 1 && ids.ids[0] == 123456, "a smaller position needs its deals");
    check(w.tick(4).empty() && w.rep.waiting == 1, "no deal in history yet: wait");
    w.add_deal(555002, 123456, 0.10, 1.087, -3.25, "TP");
    lines = w.tick(5);
    check(lines.size() == 1 && lines[0] == "CMD_CLOSE|123456|555002|0.1|1.087|-3.25|0.1|TP",
          "partial close with the closing deal and the remaining volume");
    check(w.tick(6).empty(), "a deal is reported once");
    // closed by stop-out
    w.pos->Clear();
    w.add_deal(555010, 123456, 0.10, 1.07, -140, "SO");
    lines = w.tick(7);
    check(lines.size() == 1 && lines[0] == "CMD_CLOSE|123456|555010|0.1|1.07|-140|0|SO" &&
              w.rep.stopOutDeals == 1,
          "full close by stop-out, reason SO" + joined(lines));
    check(w.tracker->count == 0, "a closed position is forgotten");
    // Two positions: one closes in two deals in the same tick.
    TrackerWorld v;
    v.add_pos(7, "SELL", 1.0, 0, 0);
    v.add_pos(8, "BUY", 0.5, 0, 0);
    check(v.tick(1).size() == 2, "two opens");
    v.pos->Clear();
    v.add_pos(8, "BUY", 0.5, 0, 0);
    v.add_deal(91, 7, 0.4, 1.1, 1, "CLIENT");
    v.add_deal(92, 7, 0.6, 1.1, 2, "EXPERT");
    lines = v.tick(2);
    check(lines.size() == 2 && lines[0] == "CMD_CLOSE|7|91|0.4|1.1|1|0.6|CLIENT" &&
              lines[1] == "CMD_CLOSE|7|92|0.6|1.1|2|0|EXPERT",
          "two closing deals in order, the last with remaining 0" + joined(lines));
    // restart: the state file brings back what was reported
    check(CT_SaveMasterState("ct_test_tracker.txt", *v.out, *v.tracker), "tracker saved");
    TrackerWorld r;
    int skipped = 0;
    check(CT_LoadMasterState("ct_test_tracker.txt", *r.out, *r.tracker, skipped) &&
              r.tracker->count == 1 && r.out->Count() == 4,
          "tracker and outbox reloaded");
    r.add_pos(8, "BUY", 0.5, 1.2, 0);  // SL set while the EA was off
    r.add_pos(9, "BUY", 0.3, 0, 0);    // opened while the EA was off, after a partial close
    r.add_deal(95, 9, 0.2, 1.1, 0, "CLIENT");
    lines = r.tick(100);
    check(lines.size() == 2 && lines[0] == "CMD_MODIFY|8|1.2|0" &&
              lines[1] == "CMD_OPEN|BUY|EURUSD|1.0845|0.3|0|0|9|1717000000123",
          "after a restart: changes made while off are reported, old exits are not");
    FileDelete("ct_test_tracker.txt");
    // a full outbox blocks the event; it is produced again later
    TrackerWorld f;
    for (int i = 1; i <= CT_OUTBOX_CAPACITY; i++) f.out->Add(open_line(std::to_string(1000000 + i)), 0);
    f.add_pos(5, "BUY", 0.1, 0, 0);
    check(f.tick(1).empty() && f.rep.blocked == 1 && f.tracker->count == 0, "blocked by a full outbox");
    f.out->Clear();
    check(f.tick(2).size() == 1, "retried once there is room");
    CTStopOutWatch so;
    check(!so.Check(120, 50, true) && so.Check(50, 50, true) && !so.Check(45, 50, true),
          "STOPOUT once when the margin level reaches the stop-out level");
    check(!so.Check(54, 50, true) && !so.Check(60, 50, true) && so.Check(49, 50, true),
          "re-armed after recovering above it");
}

static void test_state_file_corruption() {
    int h = FileOpen("ct_bad_state.txt", FILE_WRITE | FILE_TXT | FILE_ANSI);
    FileWriteString(h, "CTSTATE|1\r\nE|5|" + open_line("1") + "\r\n");  // no END: truncated
    FileClose(h);
    CTOutbox *o = new CTOutbox();
    CTMasterTracker *t = new CTMasterTracker();
    int skipped = 0;
    check(!CT_LoadMasterState("ct_bad_state.txt", *o, *t, skipped) && o->Count() == 0,
          "a truncated state file is not half-loaded");
    FileDelete("ct_bad_state.txt");
    delete o;
    delete t;
}

static void test_order_tracker() {
    CTOrderTracker *tr = new CTOrderTracker();
    CTOrderList *cur = new CTOrderList();
    CTOutbox *out = new CTOutbox();
    CTIdList none, filled;
    CTOrderReport rep;
    int k = cur->Append();
    cur->items[k].ticket = 7001;
    cur->items[k].symbol = "EURUSD";
    cur->items[k].type = "BUY_LIMIT";
    cur->items[k].volume = 0.1;
    cur->items[k].price = 1.08;
    cur->items[k].sl = 1.07;
    k = cur->Append();
    cur->items[k].ticket = 7002;
    cur->items[k].symbol = "GBPUSD";
    cur->items[k].type = "SELL_STOP";
    cur->items[k].volume = 1;
    cur->items[k].price = 1.25;
    cur->items[k].expirationMs = 5000;
    tr->Update(*cur, none, *out, 1000, rep);
    check(rep.placed == 2 && out->Count() == 2 &&
              out->items[0].line == "CMD_ORDER|BUY_LIMIT|EURUSD|1.08|0.1|1.07|0|7001|0|0" &&
              out->items[1].kind == "ORDER",
          "new pending orders are CMD_ORDER");
    tr->Update(*cur, none, *out, 1100, rep);
    check(rep.placed + rep.modified == 0 && out->Count() == 2, "an unchanged order sends nothing");
    cur->items[0].price = 1.079;
    tr->Update(*cur, none, *out, 1200, rep);
    check(rep.modified == 1 && out->items[2].line == "CMD_ORDER_MODIFY|7001|1.079|1.07|0|0|0|0.1",
          "a changed price is CMD_ORDER_MODIFY with every target value");
    cur->items[0].type = "BUY_LIMIT";
    // 7001 fills (the EA saw its deal), 7002 vanishes after its expiration
    CTOrderList *empty = new CTOrderList();
    filled.Add(7001);
    tr->Update(*empty, filled, *out, 6000, rep);
    check(rep.filled == 1 && rep.cancelled == 0 && tr->count == 1,
          "a filled order is dropped silently; a vanished one waits for its fill to show");
    tr->Update(*empty, none, *out, 6000 + CT_ORDER_GONE_MS, rep);
    check(rep.cancelled == 1 && tr->count == 0 &&
              out->items[out->Count() - 1].line == "CMD_ORDER_CANCEL|7002|EXPIRED",
          "gone past its expiration without a fill: EXPIRED");
    // persistence: O| lines round trip; a malformed one is skipped
    tr->Update(*cur, none, *out, 7000, rep);
    CTMasterTracker *pos = new CTMasterTracker();
    check(CT_SaveMasterState("ct_test_orders.txt", *out, *pos, *tr), "orders saved");
    int h = FileOpen("ct_test_orders.txt", FILE_READ | FILE_TXT | FILE_ANSI);
    std::string text;
    while (!FileIsEnding(h)) {
        std::string l = FileReadString(h);
        if (l == "END") text += "O|12|EURUSD|BUY_LIMIT|x|1|0|0|0|0|5|2\r\nO|13|EURUSD|MARKET|1|1|0|0|0|0|5|2\r\n";
        text += l + "\r\n";
    }
    FileClose(h);
    h = FileOpen("ct_test_orders.txt", FILE_WRITE | FILE_TXT | FILE_ANSI);
    FileWriteString(h, text);
    FileClose(h);
    CTOutbox *out2 = new CTOutbox();
    CTMasterTracker *pos2 = new CTMasterTracker();
    CTOrderTracker *tr2 = new CTOrderTracker();
    int skipped = 0;
    check(CT_LoadMasterState("ct_test_orders.txt", *out2, *pos2, *tr2, skipped) && skipped == 2 &&
              tr2->count == tr->count && tr2->SaveLine(0) == tr->SaveLine(0),
          "reported orders survive a restart; malformed O| lines are dropped");
    FileDelete("ct_test_orders.txt");
    delete tr;
    delete cur;
    delete out;
    delete empty;
    delete pos;
    delete out2;
    delete pos2;
    delete tr2;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        std::cerr << "usage: test_core CASES_FILE\n";
        return 2;
    }
    std::ifstream in(argv[1]);
    if (!in) {
        std::cerr << "cannot read " << argv[1] << "\n";
        return 2;
    }
    std::map<std::string, int> counts;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        auto f = split_tabs(line);
        counts[f[0]]++;
        if (f[0] == "V") run_vector(f);
        else if (f[0] == "B") run_base(f);
        else if (f[0] == "M") run_match(f);
        else if (f[0] == "P") run_parse_map(f);
        else if (f[0] == "F") run_fit(f);
        else if (f[0] == "S") run_servers(f);
        else check(false, "unknown case kind " + f[0]);
    }
    test_line_reader();
    test_encoders();
    test_volume_and_prices();
    test_tags();
    test_backoff();
    test_outbox();
    test_tracker();
    test_state_file_corruption();
    test_order_tracker();
    test_pnl_throttle();
    test_server_failover();
    for (auto &kv : counts) std::cout << "cases " << kv.first << ": " << kv.second << "\n";
    std::cout << g_checks << " checks, " << g_failures << " failures\n";
    return g_failures == 0 ? 0 : 1;
}
