//+------------------------------------------------------------------+
//| CopyTradeFollower.mq5 -- executes the CopyTradePro server's       |
//| OPEN / CLOSE / MODIFY commands on this account and reports back   |
//| (docs/protocol.md, follower side).                                |
//|                                                                  |
//| The server is the one source of truth for the copy rules: after   |
//| login this EA sends its inputs as RULES; the server adopts them    |
//| only while nobody has edited the rules in the dashboard, and        |
//| always answers with the RULES in effect, which are logged and     |
//| shown on the chart. Sizing, reversing, the minimum lot and the     |
//| symbol map are applied by the server before it sends OPEN.         |
//|                                                                  |
//| Each copy carries its master ticket: magic = InpMagicBase + master |
//| ticket, comment = "CT#<master ticket>" (Tags.mqh).                 |
//+------------------------------------------------------------------+
#property copyright "CopyTradePro"
#property version   "1.00"
#property description "CopyTradePro follower: copies a master's trades as the server commands."
#property description "Add the server host to Tools > Options > Expert Advisors > Allow WebRequest."

#include <CopyTrade/Protocol.mqh>
#include <CopyTrade/Symbols.mqh>
#include <CopyTrade/Volume.mqh>
#include <CopyTrade/Tags.mqh>
#include <CopyTrade/Connection.mqh>
#include <CopyTrade/Trade.mqh>
#include <CopyTrade/Identity.mqh>
#include <CopyTrade/Pnl.mqh>

enum ENUM_CT_LOT_TYPE
  {
   CT_LOT_FIXED = 0,        // Fixed lot (InpLotValue lots)
   CT_LOT_MULTIPLIER = 1,   // Master lot x InpLotValue
   CT_LOT_EQUITY_RATIO = 2, // Master lot x equity ratio x InpLotValue
   CT_LOT_RISK_PERCENT = 3  // Risk InpLotValue % of equity on the stop loss
  };

enum ENUM_CT_SYMBOLS
  {
   CT_SYMBOLS_MARKET_WATCH = 0, // Symbols in Market Watch
   CT_SYMBOLS_ALL = 1           // All symbols the broker offers
  };

input string           InpApiKey        = "";        // EA key of this trading account (dashboard)
input string           InpMasterToken   = "";        // Master token to follow (MST-...)
input ENUM_CT_LOT_TYPE InpLotType       = CT_LOT_MULTIPLIER; // Lot sizing
input double           InpLotValue      = 1.0;       // Fixed lot / multiplier / ratio factor / risk %
input bool             InpReverseTrade  = false;     // Copy BUY as SELL and SELL as BUY
input double           InpMinLotToCopy  = 0.0;       // Skip copies smaller than this (0 = none)
input string           InpCustomMap     = "";        // Symbol map, e.g. XAUUSD=GOLD, US30=DJ30
input string           InpServers       = "";        // Servers, e.g. a.example.com:5555,b.example.com:5555 (empty = InpHost:InpPort)
input string           InpHost          = "127.0.0.1"; // Server host (when InpServers is empty)
input int              InpPort          = 5555;      // Server EA port (and the port of InpServers entries without one)
input bool             InpUseTls        = false;     // Use TLS
input long             InpMagicBase     = 7000000000000000000; // Magic base (magic = base + master ticket)
input int              InpSlippage      = 20;        // Order deviation, points
input ENUM_CT_SYMBOLS  InpSymbols       = CT_SYMBOLS_MARKET_WATCH; // Symbols reported to the server
input int              InpMaxSymbols    = 2000;      // At most this many SYM lines
input int              InpScanMs        = 10;        // Timer interval, ms (reads everything waiting)
input int              InpAccountEverySec = 30;      // Send ACCOUNT at least every N seconds

#define CT_CLIENT_NAME     "CopyTradeFollower/1.0"
#define CT_MAX_COPIES      2048
#define CT_MAX_PENDING     1024
#define CT_OPEN_ATTEMPTS   3
#define CT_MAX_COPIED      8192

CTConnection   g_conn;
CTSymbolIndex  g_symbols;          // this terminal's symbols, for the name fallback
CTSymbolMap    g_noMap;
string         g_inputRules = "";  // RULES line built from the inputs
string         g_effectiveRules = "(not received yet)";
long           g_lastAccountMs = -1000000;
string         g_lastAccountLine = "";
bool           g_synced = false;
// Copies seen at the last scan: to tell the server about copies that closed on their own.
long           g_copyTicket[CT_MAX_COPIES];
long           g_copyMaster[CT_MAX_COPIES];
long           g_copyId[CT_MAX_COPIES];
int            g_copyCount = 0;
// Copies this EA closed on command (not reported as CLOSED).
long           g_closedByUs[CT_MAX_COPIES];
int            g_closedByUsCount = 0;
// CLOSED lines waiting for a connection.
string         g_pending[CT_MAX_PENDING];
int            g_pendingCount = 0;
bool           g_busy = false;
bool           g_started = false;  // logged in to the trade account, connection configured
bool           g_refused = false;  // stopped for good (another account)
long           g_login = 0;
// Master tickets this account has copied (open or closed): never opened twice.
long           g_copied[CT_MAX_COPIED];
int            g_copiedCount = 0;
bool           g_copiedLoaded = false;
CTPnlThrottle  g_pnl;             // when each copy's PNL goes out

//+------------------------------------------------------------------+
int OnInit()
  {
   if(StringLen(InpApiKey) == 0)
     {
      Alert("CopyTradeFollower: set InpApiKey and InpMasterToken (both shown in the dashboard)");
      return INIT_PARAMETERS_INCORRECT;
     }
   if(StringLen(InpMasterToken) == 0)
      Print("CopyTradeFollower: no InpMasterToken: fine for the partner account of a 1TO1 master,"
            " otherwise set the token of the master to follow");
   CTSymbolMap map;
   string error;
   if(!CheckServers(error))
     {
      Alert("CopyTradeFollower: ", error);
      return INIT_PARAMETERS_INCORRECT;
     }
   if(!map.Parse(InpCustomMap, error))
     {
      Alert("CopyTradeFollower: InpCustomMap: ", error);
      return INIT_PARAMETERS_INCORRECT;
     }
   string lotMode = InpLotType == CT_LOT_FIXED ? "FIXED" :
                    InpLotType == CT_LOT_MULTIPLIER ? "MULTIPLIER" :
                    InpLotType == CT_LOT_EQUITY_RATIO ? "EQUITY_RATIO" : "RISK_PERCENT";
   if(InpLotType == CT_LOT_RISK_PERCENT && InpLotValue > 100)
     {
      Alert("CopyTradeFollower: InpLotValue (risk %) must be at most 100");
      return INIT_PARAMETERS_INCORRECT;
     }
   g_inputRules = CT_LineRules(lotMode, CT_Dec(InpLotValue, 4), InpReverseTrade,
                               CT_Dec(MathMax(0.0, InpMinLotToCopy), 4), map.WireText());
   if(g_inputRules == "")
     {
      Alert("CopyTradeFollower: InpLotValue must be above 0");
      return INIT_PARAMETERS_INCORRECT;
     }
   long login = AccountInfoInteger(ACCOUNT_LOGIN);
   if(g_started && login != 0 && login != g_login)
     {
      Refuse("the terminal switched from account " + IntegerToString(g_login) + " to " +
             IntegerToString(login) + "; this EA's API key belongs to " + IntegerToString(g_login));
      return INIT_FAILED;
     }
   MathSrand((int)GetTickCount());
   // MT5's timer cannot beat the system timer resolution (about 10-16 ms on Windows); each
   // cycle reads everything the server has sent, so a command waits at most one tick.
   if(!EventSetMillisecondTimer(MathMax(10, InpScanMs)))
     {
      Print("CopyTradeFollower: cannot start the timer, error ", GetLastError());
      return INIT_FAILED;
     }
   TryStart();
   return INIT_SUCCEEDED;
  }

// InpServers (or, when it is empty, InpHost/InpPort) as the connection will use them.
bool CheckServers(string &error)
  {
   CTServerList servers;
   if(!servers.Parse(InpServers, InpPort, error))
     {
      error = "InpServers: " + error;
      return false;
     }
   if(servers.count == 0 && !servers.Single(InpHost, InpPort, error))
     {
      error = "InpHost/InpPort: " + error;
      return false;
     }
   return true;
  }

void Refuse(const string why)
  {
   if(g_refused)
      return;
   g_refused = true;
   Alert("CopyTradeFollower: ", why);
   g_conn.Close(why);
   ExpertRemove();
  }

// Start once the terminal is logged in to its trade account.
bool TryStart()
  {
   if(g_started || g_refused)
      return g_started;
   long login = AccountInfoInteger(ACCOUNT_LOGIN);
   if(login == 0 || !TerminalInfoInteger(TERMINAL_CONNECTED))
      return false;
   string error;
   if(!CT_BindLogin("follower", InpApiKey, login, error))
     {
      Refuse(error);
      return false;
     }
   g_login = login;
   if(AccountInfoInteger(ACCOUNT_MARGIN_MODE) != ACCOUNT_MARGIN_MODE_RETAIL_HEDGING)
      Print("CopyTradeFollower: this is a netting account: one copy per symbol at a time (a second"
            " master trade on a symbol already held is refused)");
   string serverError;
   g_conn.Configure(InpServers, InpHost, InpPort, InpUseTls, InpApiKey, InpMasterToken,
                    CT_CLIENT_NAME, serverError);   // checked in OnInit
   RememberCopies(false);
   LoadCopied();
   g_started = true;
   return true;
  }

void OnDeinit(const int reason)
  {
   EventKillTimer();
   g_conn.Close("EA removed, reason " + IntegerToString(reason));
   Comment("");
  }

void OnTimer() { Cycle(); }

void OnTick() { Cycle(); }

void OnTradeTransaction(const MqlTradeTransaction &trans, const MqlTradeRequest &request,
                        const MqlTradeResult &result)
  {
   Cycle();
  }

void Cycle()
  {
   if(g_busy)
      return;
   g_busy = true;
   if(!g_started)
      TryStart();
   long login = AccountInfoInteger(ACCOUNT_LOGIN);
   if(g_started && !g_refused && login != 0 && login != g_login)
      Refuse("the terminal switched from account " + IntegerToString(g_login) + " to " +
             IntegerToString(login) + "; this EA's API key belongs to " + IntegerToString(g_login));
   if(!g_started || g_refused)
     {
      ShowStatus();
      g_busy = false;
      return;
     }
   long now = CT_NowMs();
   g_conn.Poll(now);
   if(!g_conn.Up())
      g_synced = false;
   CTMessage m;
   while(g_conn.Next(m))
      OnServerMessage(m);
   RememberCopies(true);
   if(g_conn.Ready() && g_synced)
     {
      SendPending();
      SendAccountIfDue(now);
      SendPnl(now);
     }
   ShowStatus();
   g_busy = false;
  }

//+------------------------------------------------------------------+
//| Copies                                                            |
//+------------------------------------------------------------------+
// Master tickets already copied on this account, from the deal history (by the copies' magic
// number or comment), once per start; then kept up to date as copies open.
void LoadCopied()
  {
   g_copiedCount = 0;
   if(!HistorySelect(0, TimeCurrent() + 86400))
      return;
   int total = HistoryDealsTotal();
   for(int i = 0; i < total; i++)
     {
      ulong deal = HistoryDealGetTicket(i);
      if(deal == 0 || HistoryDealGetInteger(deal, DEAL_ENTRY) != DEAL_ENTRY_IN)
         continue;
      long mt = CT_MasterTicketOf(InpMagicBase, HistoryDealGetInteger(deal, DEAL_MAGIC),
                                  HistoryDealGetString(deal, DEAL_COMMENT));
      if(mt > 0)
         MarkCopied(mt);
     }
   g_copiedLoaded = true;
  }

bool WasCopied(long masterTicket)
  {
   for(int i = 0; i < g_copiedCount; i++)
      if(g_copied[i] == masterTicket)
         return true;
   return false;
  }

void MarkCopied(long masterTicket)
  {
   if(WasCopied(masterTicket))
      return;
   if(g_copiedCount >= CT_MAX_COPIED)
     {
      for(int i = 1; i < CT_MAX_COPIED; i++)
         g_copied[i - 1] = g_copied[i];
      g_copiedCount--;
     }
   g_copied[g_copiedCount] = masterTicket;
   g_copiedCount++;
  }

// The open copy of `masterTicket`: selects it and returns its ticket, or 0.
ulong FindCopy(long masterTicket)
  {
   int total = PositionsTotal();
   for(int i = 0; i < total; i++)
     {
      ulong ticket = PositionGetTicket(i);
      if(ticket == 0)
         continue;
      long mt = CT_MasterTicketOf(InpMagicBase, PositionGetInteger(POSITION_MAGIC),
                                  PositionGetString(POSITION_COMMENT));
      if(mt == masterTicket)
         return ticket;
     }
   return 0;
  }

bool ClosedByUs(long ticket)
  {
   for(int i = 0; i < g_closedByUsCount; i++)
      if(g_closedByUs[i] == ticket)
         return true;
   return false;
  }

void MarkClosedByUs(long ticket)
  {
   if(ClosedByUs(ticket))
      return;
   if(g_closedByUsCount >= CT_MAX_COPIES)
     {
      for(int i = 1; i < CT_MAX_COPIES; i++)
         g_closedByUs[i - 1] = g_closedByUs[i];
      g_closedByUsCount--;
     }
   g_closedByUs[g_closedByUsCount] = ticket;
   g_closedByUsCount++;
  }

void QueuePending(const string line)
  {
   if(line == "")
      return;
   if(g_pendingCount >= CT_MAX_PENDING)
     {
      Print("CopyTradeFollower: too many unsent CLOSED reports; dropping the oldest");
      for(int i = 1; i < CT_MAX_PENDING; i++)
         g_pending[i - 1] = g_pending[i];
      g_pendingCount--;
     }
   g_pending[g_pendingCount] = line;
   g_pendingCount++;
  }

void SendPending()
  {
   int sent = 0;
   while(sent < g_pendingCount && g_conn.Send(g_pending[sent]))
      sent++;
   for(int i = sent; i < g_pendingCount; i++)
      g_pending[i - sent] = g_pending[i];
   g_pendingCount -= sent;
  }

// The last exit deal of position `id`: fills price/profit/reason; false if none.
bool LastExit(long id, double &price, double &profit, double &volume, string &reason)
  {
   if(!HistorySelectByPosition(id))
      return false;
   ulong best = 0;
   int total = HistoryDealsTotal();
   for(int i = 0; i < total; i++)
     {
      ulong deal = HistoryDealGetTicket(i);
      if(deal != 0 && CT_IsExitEntry(HistoryDealGetInteger(deal, DEAL_ENTRY)) && deal > best)
         best = deal;
     }
   if(best == 0)
      return false;
   price = HistoryDealGetDouble(best, DEAL_PRICE);
   profit = CT_DealNetProfit(best);
   volume = HistoryDealGetDouble(best, DEAL_VOLUME);
   reason = CT_ReasonOf(HistoryDealGetInteger(best, DEAL_REASON));
   return true;
  }

// Snapshot the open copies; with `report`, a copy that vanished without our command is
// reported as CLOSED (its SL/TP, a manual close, a stop-out).
void RememberCopies(bool report)
  {
   long tickets[CT_MAX_COPIES];
   long masters[CT_MAX_COPIES];
   long ids[CT_MAX_COPIES];
   int n = 0;
   int total = PositionsTotal();
   for(int i = 0; i < total && n < CT_MAX_COPIES; i++)
     {
      ulong ticket = PositionGetTicket(i);
      if(ticket == 0)
         continue;
      long mt = CT_MasterTicketOf(InpMagicBase, PositionGetInteger(POSITION_MAGIC),
                                  PositionGetString(POSITION_COMMENT));
      if(mt <= 0)
         continue;
      tickets[n] = (long)ticket;
      masters[n] = mt;
      ids[n] = PositionGetInteger(POSITION_IDENTIFIER);
      n++;
     }
   for(int i = 0; report && i < g_copyCount; i++)
     {
      bool still = false;
      for(int j = 0; j < n && !still; j++)
         still = tickets[j] == g_copyTicket[i];
      if(still || ClosedByUs(g_copyTicket[i]))
         continue;
      double price = 0, profit = 0, volume = 0;
      string reason = "OTHER";
      if(!LastExit(g_copyId[i], price, profit, volume, reason))
         continue; // history not there yet: look again next time
      QueuePending(CT_LineClosed(IntegerToString(g_copyMaster[i]), IntegerToString(g_copyTicket[i]),
                                 CT_Dec(price, 10), CT_Dec(profit, 2), reason));
      Print("CopyTradeFollower: copy ", g_copyTicket[i], " of master ticket ", g_copyMaster[i],
            " closed on its own (", reason, ")");
      MarkClosedByUs(g_copyTicket[i]); // report once
     }
   // Keep copies whose CLOSED could not be read yet in the list.
   int kept = n;
   for(int i = 0; i < g_copyCount && kept < CT_MAX_COPIES; i++)
     {
      bool listed = false;
      for(int j = 0; j < kept && !listed; j++)
         listed = tickets[j] == g_copyTicket[i];
      if(listed || ClosedByUs(g_copyTicket[i]) || !report)
         continue;
      tickets[kept] = g_copyTicket[i];
      masters[kept] = g_copyMaster[i];
      ids[kept] = g_copyId[i];
      kept++;
     }
   for(int i = 0; i < kept; i++)
     {
      g_copyTicket[i] = tickets[i];
      g_copyMaster[i] = masters[i];
      g_copyId[i] = ids[i];
     }
   g_copyCount = kept;
  }

// PNL for each open copy, keyed by its master ticket, at most once a second per copy and only
// when a value changed (Pnl.mqh).
void SendPnl(long now)
  {
   if(!TerminalInfoInteger(TERMINAL_CONNECTED) || !g_pnl.ScanDue(now))
      return;
   int total = PositionsTotal();
   for(int i = 0; i < total && g_conn.Ready(); i++)
     {
      ulong ticket = PositionGetTicket(i);
      if(ticket == 0 || !PositionSelectByTicket(ticket))
         continue;
      long mt = CT_MasterTicketOf(InpMagicBase, PositionGetInteger(POSITION_MAGIC),
                                  PositionGetString(POSITION_COMMENT));
      if(mt <= 0)
         continue;
      int digits = (int)SymbolInfoInteger(PositionGetString(POSITION_SYMBOL), SYMBOL_DIGITS);
      string line = CT_LinePnl(IntegerToString(mt), CT_Dec(PositionGetDouble(POSITION_PRICE_OPEN), digits),
                               CT_Dec(PositionGetDouble(POSITION_PRICE_CURRENT), digits),
                               CT_Dec(PositionGetDouble(POSITION_PROFIT), 2),
                               CT_Dec(PositionGetDouble(POSITION_SWAP), 2));
      if(g_pnl.Offer(mt, line, now))
         g_conn.Send(line);
     }
   g_pnl.EndScan();
  }

//+------------------------------------------------------------------+
//| Login report: ACCOUNT, SYM*, POS*, RULES, SYNC                    |
//+------------------------------------------------------------------+
string AccountLine()
  {
   double margin = AccountInfoDouble(ACCOUNT_MARGIN);
   long leverage = AccountInfoInteger(ACCOUNT_LEVERAGE);
   return CT_LineAccount(CT_Dec(AccountInfoDouble(ACCOUNT_BALANCE), 2),
                         CT_Dec(AccountInfoDouble(ACCOUNT_EQUITY), 2),
                         CT_Percent(margin > 0 ? AccountInfoDouble(ACCOUNT_MARGIN_LEVEL) : 0),
                         AccountInfoString(ACCOUNT_CURRENCY),
                         IntegerToString(leverage < 1 ? 1 : leverage));
  }

void SendAccountIfDue(long now)
  {
   string line = AccountLine();
   bool changed = line != g_lastAccountLine && now - g_lastAccountMs >= 1000;
   if((changed || now - g_lastAccountMs >= (long)InpAccountEverySec * 1000) && g_conn.Send(line))
     {
      g_lastAccountLine = line;
      g_lastAccountMs = now;
     }
  }

// A SYM tick figure: 8 decimals, "0" (unknown) when the terminal has none or an absurd one.
string TickText(double value)
  {
   if(!MathIsValidNumber(value) || value <= 0 || value > 999999999999.0)
      return "0";
   return CT_Dec(value, 8);
  }

void SendLoginReport()
  {
   g_conn.Send(AccountLine());
   g_lastAccountMs = CT_NowMs();
   bool selected = InpSymbols == CT_SYMBOLS_MARKET_WATCH;
   int total = SymbolsTotal(selected);
   int sent = 0;
   // The suffix fallback searches every symbol the broker offers, not only Market Watch.
   g_symbols.Clear();
   int all = SymbolsTotal(false);
   for(int i = 0; i < all; i++)
      g_symbols.Add(SymbolName(i, false));
   string unfit = "";
   int unfitCount = 0;
   for(int i = 0; i < total && sent < InpMaxSymbols; i++)
     {
      string name = SymbolName(i, selected);
      string line = CT_LineSymbol(name, CT_Dec(SymbolInfoDouble(name, SYMBOL_VOLUME_MIN), 8),
                                  CT_Dec(MathMin(SymbolInfoDouble(name, SYMBOL_VOLUME_MAX), CT_MAX_VOLUME), 8),
                                  CT_Dec(SymbolInfoDouble(name, SYMBOL_VOLUME_STEP), 8),
                                  IntegerToString(SymbolInfoInteger(name, SYMBOL_DIGITS)),
                                  // for risk-% sizing; 0 = the terminal does not know yet
                                  TickText(SymbolInfoDouble(name, SYMBOL_TRADE_TICK_SIZE)),
                                  TickText(SymbolInfoDouble(name, SYMBOL_TRADE_TICK_VALUE)));
      if(line == "")
        {
         unfitCount++;
         if(unfitCount <= 20)
            unfit = unfit + (unfit == "" ? "" : ", ") + "'" + name + "'";
         continue;
        }
      if(g_conn.Send(line))
         sent++;
     }
   if(unfitCount > 0)
      Print("CopyTradeFollower: ", unfitCount, " symbol(s) not reported: their names have characters"
            " the protocol cannot carry (/, space, !...): ", unfit,
            "; map them in the dashboard or InpCustomMap to copy into them");
   if(total > InpMaxSymbols)
      Print("CopyTradeFollower: reported ", sent, " of ", total, " symbols (InpMaxSymbols)");
   int positions = 0;
   int count = PositionsTotal();
   for(int i = 0; i < count; i++)
     {
      ulong ticket = PositionGetTicket(i);
      if(ticket == 0)
         continue;
      long mt = CT_MasterTicketOf(InpMagicBase, PositionGetInteger(POSITION_MAGIC),
                                  PositionGetString(POSITION_COMMENT));
      if(mt <= 0)
         continue;
      string symbol = PositionGetString(POSITION_SYMBOL);
      int digits = (int)SymbolInfoInteger(symbol, SYMBOL_DIGITS);
      string line = CT_LinePosition(IntegerToString(mt), IntegerToString((long)ticket), symbol,
                                    PositionGetInteger(POSITION_TYPE) == POSITION_TYPE_BUY ? "BUY" : "SELL",
                                    CT_Dec(PositionGetDouble(POSITION_VOLUME), CT_SymbolVolumeDigits(symbol)),
                                    CT_Dec(PositionGetDouble(POSITION_SL), digits),
                                    CT_Dec(PositionGetDouble(POSITION_TP), digits),
                                    CT_Dec(PositionGetDouble(POSITION_PROFIT), 2));
      if(line != "" && g_conn.Send(line))
         positions++;
     }
   int orders = 0;
   int orderCount = OrdersTotal();
   for(int i = 0; i < orderCount; i++)
     {
      ulong ticket = OrderGetTicket(i);
      if(ticket == 0)
         continue;
      long mt = CT_MasterTicketOf(InpMagicBase, OrderGetInteger(ORDER_MAGIC), OrderGetString(ORDER_COMMENT));
      if(mt <= 0)
         continue;
      string symbol = OrderGetString(ORDER_SYMBOL);
      int digits = (int)SymbolInfoInteger(symbol, SYMBOL_DIGITS);
      string line = CT_LineOrderReport(IntegerToString(mt), IntegerToString((long)ticket), symbol,
                                       OrderTypeText((int)OrderGetInteger(ORDER_TYPE)),
                                       CT_Dec(OrderGetDouble(ORDER_VOLUME_CURRENT), CT_SymbolVolumeDigits(symbol)),
                                       CT_Dec(OrderGetDouble(ORDER_PRICE_OPEN), digits),
                                       CT_Dec(OrderGetDouble(ORDER_SL), digits),
                                       CT_Dec(OrderGetDouble(ORDER_TP), digits),
                                       CT_Dec(OrderGetDouble(ORDER_PRICE_STOPLIMIT), digits),
                                       IntegerToString(OrderExpirationMs()));
      if(line != "" && g_conn.Send(line))
         orders++;
     }
   g_conn.Send(g_inputRules); // before SYNC: the resync at SYNC plans with the adopted rules
   g_conn.Send(CT_LineSyncOrders(sent, positions, orders)); // N_ORDERS: this EA copies pending orders
   g_synced = true;
   g_pnl.Reset(); // one PNL per open copy after SYNC
   PrintFormat("CopyTradeFollower: login report sent: %d symbols, %d open copies", sent, positions);
  }

//+------------------------------------------------------------------+
//| Server commands                                                   |
//+------------------------------------------------------------------+
void OnServerMessage(CTMessage &m)
  {
   if(m.verb == "OK")
     {
      if(m.Get("role") != "follower")
         Print("CopyTradeFollower: this key belongs to a ", m.Get("role"),
               " account; use CopyTradeMaster for it");
      SendLoginReport();
      return;
     }
   if(m.verb == "RULES")
     {
      g_effectiveRules = StringFormat("%s %s, reverse %s, min lot %s, map %s", m.Get("lot_mode"),
                                      m.Get("lot_value"), m.Get("reverse") == "1" ? "on" : "off",
                                      m.Get("min_lot"), m.Get("symbol_map") == "" ? "(none)" : m.Get("symbol_map"));
      Print("CopyTradeFollower: copy rules in effect (set on the server): ", g_effectiveRules);
      string mine = "";
      CT_Encode(m, CT_EA_TO_SERVER, mine);
      if(mine != g_inputRules)
         Print("CopyTradeFollower: the server's rules differ from this EA's inputs; the server's apply"
               " (they were edited in the dashboard)");
      return;
     }
   if(m.verb == "OPEN")
      DoOpen(m);
   else if(m.verb == "CLOSE")
      DoClose(m);
   else if(m.verb == "MODIFY")
      DoModify(m);
   else if(m.verb == "ORDER")
      DoOrder(m);
   else if(m.verb == "ORDER_MODIFY")
      DoOrderModify(m);
   else if(m.verb == "ORDER_CANCEL")
      DoOrderCancel(m);
   else if(m.verb == "STORED")
      Print("CopyTradeFollower: ignored STORED (not for a follower)");
  }

bool AckExisting(const string mt, ulong ticket)
  {
   if(!PositionSelectByTicket(ticket))
      return false;
   string symbol = PositionGetString(POSITION_SYMBOL);
   MarkCopied(StringToInteger(mt));
   g_conn.Send(CT_LineAckOpen(mt, IntegerToString((long)ticket),
                              CT_Dec(PositionGetDouble(POSITION_VOLUME), CT_SymbolVolumeDigits(symbol)),
                              PositionGetInteger(POSITION_TYPE) == POSITION_TYPE_BUY ? "BUY" : "SELL"));
   return true;
  }

// The copy just opened (or already there), re-checked a few times: a timed-out request
// (10012) may still have been executed.
ulong WaitForCopy(long masterTicket, int tries)
  {
   for(int i = 0; i < tries; i++)
     {
      ulong ticket = FindCopy(masterTicket);
      if(ticket != 0)
         return ticket;
      if(i + 1 < tries)
         Sleep(200);
     }
   return 0;
  }

// A deal of this copy in the history (the request timed out but executed): its position.
long CopyInHistory(long masterTicket)
  {
   if(!HistorySelect(TimeCurrent() - 3600, TimeCurrent() + 86400))
      return 0;
   for(int i = HistoryDealsTotal() - 1; i >= 0; i--)
     {
      ulong deal = HistoryDealGetTicket(i);
      if(deal != 0 && HistoryDealGetInteger(deal, DEAL_ENTRY) == DEAL_ENTRY_IN &&
         CT_MasterTicketOf(InpMagicBase, HistoryDealGetInteger(deal, DEAL_MAGIC),
                           HistoryDealGetString(deal, DEAL_COMMENT)) == masterTicket)
         return HistoryDealGetInteger(deal, DEAL_POSITION_ID);
     }
   return 0;
  }

// Selects `symbol` and waits (briefly) for its first quote after it was added to Market Watch.
bool SelectWithTick(const string symbol)
  {
   if(!SymbolSelect(symbol, true))
      return false;
   MqlTick tick;
   for(int i = 0; i < 20 && !SymbolInfoTick(symbol, tick); i++)
      Sleep(50);
   return true;
  }

void DoOpen(CTMessage &m)
  {
   string mt = m.Get("master_ticket");
   long masterTicket = StringToInteger(mt);
   ulong existing = FindCopy(masterTicket);
   if(existing != 0 && AckExisting(mt, existing))
      return; // a repeated OPEN never opens twice (or the pending copy filled: section 9a)
   // The master's order filled and this copy did not: remove it and open at market (9a).
   ulong pendingCopy = FindOrderCopy(masterTicket);
   if(pendingCopy != 0 && !RemoveOrder(pendingCopy))
      Print("CopyTradeFollower: could not remove the pending copy ", pendingCopy, " of master ticket ", mt);
   if(WasCopied(masterTicket))
     {
      // Copied before and closed since (its own SL/TP, a manual close...): never again.
      g_conn.Send(CT_LineNack("OPEN", mt, 0, "ALREADY_COPIED master ticket " + mt +
                              " was copied on this account before and that copy is closed"));
      return;
     }
   string why;
   if(!CT_TradingAllowed(why))
     {
      g_conn.Send(CT_LineNack("OPEN", mt, 0, why));
      return;
     }
   string symbol = m.Get("symbol");
   if(!SelectWithTick(symbol))
     {
      string candidates;
      string found = CT_MatchSymbol(symbol, g_noMap, g_symbols, candidates);
      if(found == "" || !SelectWithTick(found))
        {
         g_conn.Send(CT_LineNack("OPEN", mt, 0, "symbol " + symbol + " not found at this broker" +
                                 (candidates != "" ? " (candidates: " + candidates + ")" : "")));
         return;
        }
      symbol = found;
     }
   if(AccountInfoInteger(ACCOUNT_MARGIN_MODE) != ACCOUNT_MARGIN_MODE_RETAIL_HEDGING &&
      PositionSelect(symbol))
     {
      long held = CT_MasterTicketOf(InpMagicBase, PositionGetInteger(POSITION_MAGIC),
                                    PositionGetString(POSITION_COMMENT));
      g_conn.Send(CT_LineNack("OPEN", mt, 0, "netting account: " + symbol + " already holds " +
                              (held > 0 ? "the copy of master ticket " + IntegerToString(held) :
                               "a position") + "; use a hedging account to copy several trades per symbol"));
      return;
     }
   double vmin = SymbolInfoDouble(symbol, SYMBOL_VOLUME_MIN);
   double vmax = SymbolInfoDouble(symbol, SYMBOL_VOLUME_MAX);
   double step = SymbolInfoDouble(symbol, SYMBOL_VOLUME_STEP);
   double volume = CT_FitVolume(StringToDouble(m.Get("volume")), vmin, vmax, step);
   if(!CT_IsTradableVolume(volume, vmin, step))
     {
      g_conn.Send(CT_LineNack("OPEN", mt, 10014, "volume " + m.Get("volume") + " is below " + symbol +
                              " minimum " + CT_VolumeText(vmin, step)));
      return;
     }
   string side = m.Get("side");
   double sl = CT_SymbolNormalizePrice(symbol, StringToDouble(m.Get("sl")));
   double tp = CT_SymbolNormalizePrice(symbol, StringToDouble(m.Get("tp")));
   double point = SymbolInfoDouble(symbol, SYMBOL_POINT);
   long maxDev = StringToInteger(m.Get("max_deviation_points"));
   long maxSpread = StringToInteger(m.Get("max_spread_points"));   // absent: "" -> 0, no limit
   int vd = CT_StepDigits(step);
   MqlTradeResult result;
   ZeroMemory(result);
   for(int attempt = 1; attempt <= CT_OPEN_ATTEMPTS; attempt++)
     {
      MqlTick tick;
      if(SymbolInfoTick(symbol, tick))
        {
         double market = side == "BUY" ? tick.ask : tick.bid;
         long spread = CT_DeviationPoints(tick.ask, tick.bid, point);
         if(maxSpread > 0 && spread > maxSpread)
           {
            g_conn.Send(CT_LineNack("OPEN", mt, 0, StringFormat("SPREAD_TOO_WIDE %I64d > %I64d points",
                                    spread, maxSpread)));
            return;
           }
         if(CT_DeviationTooLarge(market, StringToDouble(m.Get("price")), point, maxDev))
           {
            g_conn.Send(CT_LineNack("OPEN", mt, 0, StringFormat("PRICE_MOVED %I64d > %I64d points",
                                    CT_DeviationPoints(market, StringToDouble(m.Get("price")), point), maxDev)));
            return;
           }
        }
      bool ok = CT_SendMarket(symbol, side, volume, sl, tp, (ulong)CT_CopyMagic(InpMagicBase, masterTicket),
                              CT_CopyComment(masterTicket), (ulong)InpSlippage, result);
      if(ok)
        {
         // Executed: acknowledge what the trade server reports, even if the position is not
         // in the terminal's list yet (it may show up later). The position id of the deal is
         // the position's ticket.
         long position = 0;
         if(result.deal != 0 && HistoryDealSelect(result.deal))
            position = HistoryDealGetInteger(result.deal, DEAL_POSITION_ID);
         if(position <= 0)
            position = (long)result.order;
         double filled = result.volume > 0 ? result.volume : volume;
         MarkCopied(masterTicket);
         g_conn.Send(CT_LineAckOpen(mt, IntegerToString(position), CT_Dec(filled, vd), side));
         return;
        }
      ulong ticket = WaitForCopy(masterTicket, result.retcode == 10012 ? 10 : 1);
      long inHistory = ticket == 0 && result.retcode == 10012 ? CopyInHistory(masterTicket) : 0;
      if(ticket != 0 && AckExisting(mt, ticket))
         return;
      if(inHistory > 0)
        {
         MarkCopied(masterTicket);
         g_conn.Send(CT_LineAckOpen(mt, IntegerToString(inHistory), CT_Dec(volume, vd), side));
         return;
        }
      if(!CT_RetcodeRetryable(result.retcode))
         break;
      Print("CopyTradeFollower: open of master ticket ", mt, " got ", result.retcode, " ",
            CT_RetcodeText(result.retcode), "; no copy found, retrying");
     }
   g_conn.Send(CT_LineNack("OPEN", mt, result.retcode, CT_RetcodeText(result.retcode) +
                           (result.comment != "" ? " (" + result.comment + ")" : "")));
  }

//+------------------------------------------------------------------+
//| Pending orders (docs/protocol.md section 9a)                      |
//+------------------------------------------------------------------+
string OrderTypeText(int type)
  {
   if(type == ORDER_TYPE_BUY_LIMIT) return "BUY_LIMIT";
   if(type == ORDER_TYPE_SELL_LIMIT) return "SELL_LIMIT";
   if(type == ORDER_TYPE_BUY_STOP) return "BUY_STOP";
   if(type == ORDER_TYPE_SELL_STOP) return "SELL_STOP";
   if(type == ORDER_TYPE_BUY_STOP_LIMIT) return "BUY_STOP_LIMIT";
   return "SELL_STOP_LIMIT";
  }

ENUM_ORDER_TYPE OrderTypeOf(const string text)
  {
   if(text == "BUY_LIMIT") return ORDER_TYPE_BUY_LIMIT;
   if(text == "SELL_LIMIT") return ORDER_TYPE_SELL_LIMIT;
   if(text == "BUY_STOP") return ORDER_TYPE_BUY_STOP;
   if(text == "SELL_STOP") return ORDER_TYPE_SELL_STOP;
   if(text == "BUY_STOP_LIMIT") return ORDER_TYPE_BUY_STOP_LIMIT;
   return ORDER_TYPE_SELL_STOP_LIMIT;
  }

// The selected order's expiration in ms (0 = good till cancelled).
long OrderExpirationMs()
  {
   if(OrderGetInteger(ORDER_TYPE_TIME) != ORDER_TIME_SPECIFIED)
      return 0;
   return OrderGetInteger(ORDER_TIME_EXPIRATION) * 1000;
  }

// The pending copy of `masterTicket` (selected), 0 if none.
ulong FindOrderCopy(long masterTicket)
  {
   int total = OrdersTotal();
   for(int i = 0; i < total; i++)
     {
      ulong ticket = OrderGetTicket(i);
      if(ticket != 0 && CT_MasterTicketOf(InpMagicBase, OrderGetInteger(ORDER_MAGIC),
                                          OrderGetString(ORDER_COMMENT)) == masterTicket)
         return ticket;
     }
   return 0;
  }

// Expiration: ms since 1970 -> seconds, rounded up so the copy never ends before the master's.
datetime ExpirationOf(const string ms)
  {
   long v = StringToInteger(ms);
   return v <= 0 ? 0 : (datetime)((v + 999) / 1000);
  }

bool RemoveOrder(ulong ticket)
  {
   MqlTradeRequest request;
   MqlTradeResult result;
   ZeroMemory(request);
   ZeroMemory(result);
   request.action = TRADE_ACTION_REMOVE;
   request.order = ticket;
   return OrderSend(request, result) && result.retcode == 10009;
  }

void DoOrder(CTMessage &m)
  {
   string mt = m.Get("master_ticket");
   long masterTicket = StringToInteger(mt);
   ulong existing = FindOrderCopy(masterTicket);
   if(existing != 0)
     {
      // a repeated ORDER never places twice
      string sym = OrderGetString(ORDER_SYMBOL);
      g_conn.Send(CT_LineAckOrder(mt, IntegerToString((long)existing),
                                  CT_Dec(OrderGetDouble(ORDER_VOLUME_CURRENT), CT_SymbolVolumeDigits(sym)),
                                  OrderTypeText((int)OrderGetInteger(ORDER_TYPE))));
      return;
     }
   if(FindCopy(masterTicket) != 0)
     {
      g_conn.Send(CT_LineNack("ORDER", mt, 0, "master ticket " + mt + " already has an open copy here"));
      return;
     }
   string why;
   if(!CT_TradingAllowed(why))
     {
      g_conn.Send(CT_LineNack("ORDER", mt, 0, why));
      return;
     }
   string symbol = m.Get("symbol");
   if(!SelectWithTick(symbol))
     {
      string candidates;
      string found = CT_MatchSymbol(symbol, g_noMap, g_symbols, candidates);
      if(found == "" || !SelectWithTick(found))
        {
         g_conn.Send(CT_LineNack("ORDER", mt, 0, "symbol " + symbol + " not found at this broker" +
                                 (candidates != "" ? " (candidates: " + candidates + ")" : "")));
         return;
        }
      symbol = found;
     }
   double volume = StringToDouble(m.Get("volume"));
   int vd = CT_SymbolVolumeDigits(symbol);
   MqlTradeRequest request;
   MqlTradeResult result;
   ZeroMemory(request);
   ZeroMemory(result);
   request.action = TRADE_ACTION_PENDING;
   request.symbol = symbol;
   request.type = OrderTypeOf(m.Get("order_type"));
   request.volume = volume;
   request.price = CT_SymbolNormalizePrice(symbol, StringToDouble(m.Get("price")));
   request.stoplimit = CT_SymbolNormalizePrice(symbol, StringToDouble(m.Get("stoplimit")));
   request.sl = CT_SymbolNormalizePrice(symbol, StringToDouble(m.Get("sl")));
   request.tp = CT_SymbolNormalizePrice(symbol, StringToDouble(m.Get("tp")));
   request.expiration = ExpirationOf(m.Get("expiration_ms"));
   request.type_time = request.expiration > 0 ? ORDER_TIME_SPECIFIED : ORDER_TIME_GTC;
   request.type_filling = ORDER_FILLING_RETURN;
   request.magic = (ulong)CT_CopyMagic(InpMagicBase, masterTicket);
   request.comment = CT_CopyComment(masterTicket);
   if(OrderSend(request, result) && result.retcode == 10009 && result.order != 0)
     {
      g_conn.Send(CT_LineAckOrder(mt, IntegerToString((long)result.order), CT_Dec(volume, vd),
                                  m.Get("order_type")));
      return;
     }
   g_conn.Send(CT_LineNack("ORDER", mt, result.retcode, CT_RetcodeText(result.retcode) +
                           (result.comment != "" ? " (" + result.comment + ")" : "")));
  }

// ORDER_MODIFY with another VOLUME (docs/protocol.md 9a, "Volume changes"): remove the copy
// and place it again with the same tag, the new volume and the target values.
void ReplaceOrderCopy(CTMessage &m, ulong ticket, const string symbol, int digits)
  {
   string mt = m.Get("master_ticket");
   long masterTicket = StringToInteger(mt);
   ENUM_ORDER_TYPE type = (ENUM_ORDER_TYPE)OrderGetInteger(ORDER_TYPE);
   if(!RemoveOrder(ticket))
     {
      g_conn.Send(CT_LineNack("ORDER_MODIFY", mt, 0, "could not remove the pending copy of master ticket " +
                              mt + " to change its volume"));
      return;
     }
   MqlTradeRequest request;
   MqlTradeResult result;
   ZeroMemory(request);
   ZeroMemory(result);
   request.action = TRADE_ACTION_PENDING;
   request.symbol = symbol;
   request.type = type;
   request.volume = StringToDouble(m.Get("volume"));
   request.price = CT_SymbolNormalizePrice(symbol, StringToDouble(m.Get("price")));
   request.stoplimit = CT_SymbolNormalizePrice(symbol, StringToDouble(m.Get("stoplimit")));
   request.sl = CT_SymbolNormalizePrice(symbol, StringToDouble(m.Get("sl")));
   request.tp = CT_SymbolNormalizePrice(symbol, StringToDouble(m.Get("tp")));
   request.expiration = ExpirationOf(m.Get("expiration_ms"));
   request.type_time = request.expiration > 0 ? ORDER_TIME_SPECIFIED : ORDER_TIME_GTC;
   request.type_filling = ORDER_FILLING_RETURN;
   request.magic = (ulong)CT_CopyMagic(InpMagicBase, masterTicket);
   request.comment = CT_CopyComment(masterTicket);
   if(!OrderSend(request, result) || result.retcode != 10009 || result.order == 0 ||
      !OrderSelect(result.order))
     {
      g_conn.Send(CT_LineNack("ORDER_MODIFY", mt, result.retcode, "the copy was removed to change its volume "
                              "and could not be placed again: " + CT_RetcodeText(result.retcode)));
      return;
     }
   g_conn.Send(CT_LineAckOrderModify(mt, CT_Dec(OrderGetDouble(ORDER_PRICE_OPEN), digits),
                                     CT_Dec(OrderGetDouble(ORDER_SL), digits),
                                     CT_Dec(OrderGetDouble(ORDER_TP), digits),
                                     CT_Dec(OrderGetDouble(ORDER_PRICE_STOPLIMIT), digits),
                                     IntegerToString(OrderExpirationMs())));
  }

void DoOrderModify(CTMessage &m)
  {
   string mt = m.Get("master_ticket");
   ulong ticket = FindOrderCopy(StringToInteger(mt));
   if(ticket == 0)
     {
      g_conn.Send(CT_LineNack("ORDER_MODIFY", mt, 0, "no pending copy of master ticket " + mt));
      return;
     }
   string symbol = OrderGetString(ORDER_SYMBOL);
   int digits = (int)SymbolInfoInteger(symbol, SYMBOL_DIGITS);
   string volumeText = m.Get("volume");   // absent: "" (keep the volume)
   if(volumeText != "" && MathAbs(StringToDouble(volumeText) - OrderGetDouble(ORDER_VOLUME_CURRENT)) > 1e-9)
     {
      ReplaceOrderCopy(m, ticket, symbol, digits);   // MT5 cannot change a placed order's volume
      return;
     }
   MqlTradeRequest request;
   MqlTradeResult result;
   ZeroMemory(request);
   ZeroMemory(result);
   request.action = TRADE_ACTION_MODIFY;
   request.order = ticket;
   request.symbol = symbol;
   request.price = CT_SymbolNormalizePrice(symbol, StringToDouble(m.Get("price")));
   request.stoplimit = CT_SymbolNormalizePrice(symbol, StringToDouble(m.Get("stoplimit")));
   request.sl = CT_SymbolNormalizePrice(symbol, StringToDouble(m.Get("sl")));
   request.tp = CT_SymbolNormalizePrice(symbol, StringToDouble(m.Get("tp")));
   request.expiration = ExpirationOf(m.Get("expiration_ms"));
   request.type_time = request.expiration > 0 ? ORDER_TIME_SPECIFIED : ORDER_TIME_GTC;
   if(!OrderSend(request, result) || result.retcode != 10009)
     {
      g_conn.Send(CT_LineNack("ORDER_MODIFY", mt, result.retcode, CT_RetcodeText(result.retcode)));
      return;
     }
   if(!OrderSelect(ticket))
     {
      g_conn.Send(CT_LineNack("ORDER_MODIFY", mt, 0, "the pending copy of master ticket " + mt + " just went away"));
      return;
     }
   g_conn.Send(CT_LineAckOrderModify(mt, CT_Dec(OrderGetDouble(ORDER_PRICE_OPEN), digits),
                                     CT_Dec(OrderGetDouble(ORDER_SL), digits),
                                     CT_Dec(OrderGetDouble(ORDER_TP), digits),
                                     CT_Dec(OrderGetDouble(ORDER_PRICE_STOPLIMIT), digits),
                                     IntegerToString(OrderExpirationMs())));
  }

void DoOrderCancel(CTMessage &m)
  {
   string mt = m.Get("master_ticket");
   long masterTicket = StringToInteger(mt);
   ulong ticket = FindOrderCopy(masterTicket);
   if(ticket != 0 && !RemoveOrder(ticket))
     {
      if(OrderSelect(ticket))
        {
         g_conn.Send(CT_LineNack("ORDER_CANCEL", mt, 0, "could not remove the pending copy " +
                                 IntegerToString((long)ticket)));
         return;
        }
      ticket = 0; // it went away meanwhile (filled or expired)
     }
   g_conn.Send(CT_LineAckOrderCancel(mt, IntegerToString((long)ticket), FindCopy(masterTicket) != 0));
  }

void DoClose(CTMessage &m)
  {
   string mt = m.Get("master_ticket");
   long masterTicket = StringToInteger(mt);
   ulong ticket = FindCopy(masterTicket);
   if(ticket == 0)
     {
      // Already gone: report how it ended if history knows, else refuse with a reason.
      for(int i = 0; i < g_copyCount; i++)
        {
         if(g_copyMaster[i] != masterTicket)
            continue;
         double price = 0, profit = 0, volume = 0;
         string reason = "OTHER";
         if(LastExit(g_copyId[i], price, profit, volume, reason))
           {
            g_conn.Send(CT_LineClosed(mt, IntegerToString(g_copyTicket[i]), CT_Dec(price, 10),
                                      CT_Dec(profit, 2), reason));
            return;
           }
        }
      g_conn.Send(CT_LineNack("CLOSE", mt, 0, "no open copy of master ticket " + mt));
      return;
     }
   if(!PositionSelectByTicket(ticket))
     {
      g_conn.Send(CT_LineNack("CLOSE", mt, 0, "the copy of master ticket " + mt + " just went away"));
      return;
     }
   string symbol = PositionGetString(POSITION_SYMBOL);
   long id = PositionGetInteger(POSITION_IDENTIFIER);
   double current = PositionGetDouble(POSITION_VOLUME);
   double step = SymbolInfoDouble(symbol, SYMBOL_VOLUME_STEP);
   double vmin = SymbolInfoDouble(symbol, SYMBOL_VOLUME_MIN);
   double target = StringToDouble(m.Get("target_volume"));
   double closeVolume = target <= 0 ? current : CT_FloorToStep(current - target, step);
   if(target > 0 && current - closeVolume < vmin - step * 1e-9)
      closeVolume = current; // cannot keep less than the minimum lot: close it all
   int vd = CT_StepDigits(step);
   if(closeVolume <= step * 1e-9)
     {
      double price = 0, profit = 0, volume = 0;
      string reason;
      if(LastExit(id, price, profit, volume, reason))
         g_conn.Send(CT_LineAckClose(mt, IntegerToString((long)ticket), CT_Dec(volume, vd),
                                     CT_Dec(current, vd), CT_Dec(price, 10), CT_Dec(profit, 2)));
      else
         g_conn.Send(CT_LineNack("CLOSE", mt, 0, "copy is already at " + CT_Dec(current, vd) + " lots"));
      return;
     }
   MqlTradeResult result;
   if(!CT_ClosePosition(ticket, closeVolume, (ulong)InpSlippage, result))
     {
      if(result.retcode == 10012 && FindCopy(masterTicket) == 0)
        {
         MarkClosedByUs((long)ticket); // it did close; report it below
        }
      else
        {
         g_conn.Send(CT_LineNack("CLOSE", mt, result.retcode, CT_RetcodeText(result.retcode)));
         return;
        }
     }
   // What is left follows from the close itself: the position list may not show it yet.
   double remaining = CT_FloorToStep(current - closeVolume + step * 0.5, step);
   if(remaining < step * 0.5)
      remaining = 0;
   if(remaining <= 0)
      MarkClosedByUs((long)ticket);
   double profit = 0;
   if(result.deal != 0 && HistoryDealSelect(result.deal))
      profit = CT_DealNetProfit(result.deal);
   g_conn.Send(CT_LineAckClose(mt, IntegerToString((long)ticket), CT_Dec(closeVolume, vd),
                               remaining <= 0 ? "0" : CT_Dec(remaining, vd),
                               CT_Dec(result.price, (int)SymbolInfoInteger(symbol, SYMBOL_DIGITS)),
                               CT_Dec(profit, 2)));
  }

void DoModify(CTMessage &m)
  {
   string mt = m.Get("master_ticket");
   ulong ticket = FindCopy(StringToInteger(mt));
   if(ticket == 0)
     {
      g_conn.Send(CT_LineNack("MODIFY", mt, 0, "no open copy of master ticket " + mt));
      return;
     }
   if(!PositionSelectByTicket(ticket))
     {
      g_conn.Send(CT_LineNack("MODIFY", mt, 0, "the copy of master ticket " + mt + " just went away"));
      return;
     }
   string symbol = PositionGetString(POSITION_SYMBOL);
   int digits = (int)SymbolInfoInteger(symbol, SYMBOL_DIGITS);
   double sl = CT_SymbolNormalizePrice(symbol, StringToDouble(m.Get("sl")));
   double tp = CT_SymbolNormalizePrice(symbol, StringToDouble(m.Get("tp")));
   bool same = CT_Dec(sl, digits) == CT_Dec(PositionGetDouble(POSITION_SL), digits) &&
               CT_Dec(tp, digits) == CT_Dec(PositionGetDouble(POSITION_TP), digits);
   MqlTradeResult result;
   if(!same && !CT_ModifyPosition(ticket, sl, tp, result))
     {
      g_conn.Send(CT_LineNack("MODIFY", mt, result.retcode, CT_RetcodeText(result.retcode)));
      return;
     }
   g_conn.Send(CT_LineAckModify(mt, CT_Dec(sl, digits), CT_Dec(tp, digits)));
  }

void ShowStatus()
  {
   Comment("CopyTradePro follower\n", g_conn.StatusText(), "\nMaster: ", InpMasterToken,
           "\nCopy rules in effect: ", g_effectiveRules, "\nOpen copies: ", g_copyCount);
  }
//+------------------------------------------------------------------+
