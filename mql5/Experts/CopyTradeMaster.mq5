//+------------------------------------------------------------------+
//| CopyTradeMaster.mq5 -- reports this account's trades to the       |
//| CopyTradePro server (docs/protocol.md, master side).              |
//|                                                                  |
//| Every timer tick (and at once on OnTradeTransaction, which is only |
//| a trigger) the open positions are compared with what was already   |
//| reported and new exit deals are read from history, keyed by        |
//| POSITION_IDENTIFIER (MasterTracker.mqh). Events go to an outbox    |
//| saved in MQL5\Files before they are sent and resent until the      |
//| server answers STORED (Outbox.mqh, State.mqh).                     |
//+------------------------------------------------------------------+
#property copyright "CopyTradePro"
#property version   "1.00"
#property description "CopyTradePro master: sends this account's trades to the server."
#property description "Add the server host to Tools > Options > Expert Advisors > Allow WebRequest."

#include <CopyTrade/Protocol.mqh>
#include <CopyTrade/Outbox.mqh>
#include <CopyTrade/MasterTracker.mqh>
#include <CopyTrade/State.mqh>
#include <CopyTrade/OrderTracker.mqh>
#include <CopyTrade/Connection.mqh>
#include <CopyTrade/Trade.mqh>
#include <CopyTrade/Identity.mqh>
#include <CopyTrade/Pnl.mqh>

input string InpApiKey           = "";          // EA key of this trading account (dashboard)
input string InpServers          = "";          // Servers, e.g. a.example.com:5555,b.example.com:5555 (empty = InpHost:InpPort)
input string InpHost             = "127.0.0.1"; // Server host (when InpServers is empty)
input int    InpPort             = 5555;        // Server EA port (and the port of InpServers entries without one)
input bool   InpUseTls           = false;       // Use TLS
input int    InpScanMs           = 20;          // Position scan interval, ms (also on every trade event)
input int    InpAccountEverySec  = 30;          // Send ACCOUNT at least every N seconds
input int    InpMaxEventAgeHours = 72;          // Drop unconfirmed events older than this (0 = never)
input int    InpKillSwitchSlippage = 50;        // Max slippage (points) when the server closes a trade

#define CT_CLIENT_NAME "CopyTradeMaster/1.0"

CTConnection     g_conn;
CTOutbox         g_outbox;       // large objects live in static storage
CTMasterTracker  g_tracker;
CTPosList        g_positions;
CTDealList       g_deals;
CTOrderTracker   g_orderTracker; // pending orders reported (section 7a)
CTOrderList      g_orders;
CTStopOutWatch   g_stopOut;
CTPnlThrottle    g_pnl;          // when each position's PNL goes out
string           g_stateFile = "";
long             g_lastAccountMs = -1000000;
string           g_lastAccountLine = "";
long             g_lastAccountChangeMs = 0;
bool             g_busy = false;
bool             g_started = false;   // logged in, state loaded, connection configured
bool             g_refused = false;   // stopped for good (netting account, another account)
long             g_login = 0;         // the MT5 login this EA reports
string           g_waitingFor = "";   // why it has not started yet
string           g_pendingStopOut = ""; // STOPOUT waiting for a connection
long             g_retryAtMs = 0;     // resend unconfirmed events then (after ERR UNAVAILABLE)
int              g_retryDelayMs = 1000; // doubles to 8 s while the server cannot store

// Wall-clock milliseconds (UTC): event ages and resend times survive an EA restart.
long CT_WallMs() { return (long)TimeGMT() * 1000; }

//+------------------------------------------------------------------+
int OnInit()
  {
   if(StringLen(InpApiKey) == 0)
     {
      Alert("CopyTradeMaster: set InpApiKey (the EA key shown in the dashboard)");
      return INIT_PARAMETERS_INCORRECT;
     }
   string serverError;
   if(!CheckServers(serverError))
     {
      Alert("CopyTradeMaster: ", serverError);
      return INIT_PARAMETERS_INCORRECT;
     }
   long login = AccountInfoInteger(ACCOUNT_LOGIN);
   if(g_started && login != 0 && login != g_login)
     {
      // OnDeinit/OnInit after an account switch keep the globals: this key is not for it.
      Refuse("the terminal switched from account " + IntegerToString(g_login) + " to " +
             IntegerToString(login) + "; this EA's API key belongs to " + IntegerToString(g_login));
      return INIT_FAILED;
     }
   MathSrand((int)GetTickCount());
   if(!EventSetMillisecondTimer(MathMax(10, InpScanMs)))
     {
      Print("CopyTradeMaster: cannot start the timer, error ", GetLastError());
      return INIT_FAILED;
     }
   TryStart();
   return INIT_SUCCEEDED;
  }

void OnDeinit(const int reason)
  {
   EventKillTimer();
   if(g_started)
      CT_SaveMasterState(g_stateFile, g_outbox, g_tracker, g_orderTracker, g_login);
   g_conn.Close("EA removed, reason " + IntegerToString(reason));
   Comment("");
  }

void OnTimer()
  {
   Cycle();
  }

// Only a trigger: the state is read from the terminal, never from the transaction.
void OnTradeTransaction(const MqlTradeTransaction &trans, const MqlTradeRequest &request,
                        const MqlTradeResult &result)
  {
   Cycle();
  }

// Stop for good with a message the trader sees (the EA removes itself).
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
   Alert("CopyTradeMaster: ", why);
   g_conn.Close(why);
   ExpertRemove();
  }

// Start once the terminal is logged in to its account: the state file and the API key's
// binding are per MT5 login, which is 0 until then.
bool TryStart()
  {
   if(g_started || g_refused)
      return g_started;
   long login = AccountInfoInteger(ACCOUNT_LOGIN);
   if(login == 0 || !TerminalInfoInteger(TERMINAL_CONNECTED))
     {
      if(g_waitingFor == "")
         Print("CopyTradeMaster: waiting for the terminal to log in to the trade account");
      g_waitingFor = "waiting for the terminal to log in to the trade account";
      return false;
     }
   if(AccountInfoInteger(ACCOUNT_MARGIN_MODE) != ACCOUNT_MARGIN_MODE_RETAIL_HEDGING)
     {
      Refuse("account " + IntegerToString(login) + " is a netting account; the master EA copies "
             "hedging accounts only (a netting reversal or added volume has no ticket of its own)");
      return false;
     }
   string error;
   if(!CT_BindLogin("master", InpApiKey, login, error))
     {
      Refuse(error);
      return false;
     }
   g_login = login;
   g_waitingFor = "";
   g_stateFile = "CopyTradeMaster_" + IntegerToString(login) + ".state";
   g_outbox.Clear();
   g_tracker.count = 0;
   g_orderTracker.count = 0;
   int skipped = 0;
   if(CT_LoadMasterState(g_stateFile, g_outbox, g_tracker, g_orderTracker, skipped, login))
      PrintFormat("CopyTradeMaster: state loaded: %d positions reported, %d pending orders reported, %d events unconfirmed%s",
                  g_tracker.count, g_orderTracker.count, g_outbox.Count(),
                  skipped > 0 ? ", " + IntegerToString(skipped) + " unreadable lines dropped" : "");
   else if(FileIsExist(g_stateFile))
      Print("CopyTradeMaster: state file ", g_stateFile, " is unreadable or not this account's; starting afresh");
   g_outbox.dirty = false;
   g_tracker.dirty = false;
   g_orderTracker.dirty = false;
   string serverError;
   g_conn.Configure(InpServers, InpHost, InpPort, InpUseTls, InpApiKey, "", CT_CLIENT_NAME,
                    serverError);   // checked in OnInit
   g_started = true;
   Scan(CT_WallMs());
   return true;
  }

//+------------------------------------------------------------------+
void Cycle()
  {
   if(g_busy)
      return;
   g_busy = true;
   if(!g_started)
      TryStart();
   if(g_started && !g_refused)
      Work();
   ShowStatus();
   g_busy = false;
  }

void Work()
  {
   long now = CT_NowMs();
   long wall = CT_WallMs();
   long login = AccountInfoInteger(ACCOUNT_LOGIN);
   if(login != 0 && login != g_login)
     {
      Refuse("the terminal switched from account " + IntegerToString(g_login) + " to " +
             IntegerToString(login) + "; this EA's API key belongs to " + IntegerToString(g_login));
      return;
     }
   // Without the trade server the position list may be stale: compare only when connected.
   if(TerminalInfoInteger(TERMINAL_CONNECTED))
     {
      Scan(wall);
      CheckMargin();
     }
   g_conn.Poll(now);
   CTMessage m;
   while(g_conn.Next(m))
      OnServerMessage(m);
   if(!g_conn.Up())
      g_outbox.OnDisconnect();
   if(g_retryAtMs > 0 && now >= g_retryAtMs)
     {
      g_retryAtMs = 0;
      g_outbox.OnDisconnect(); // the server could not store them: send them again
     }
   if(g_conn.Ready())
     {
      if(g_pendingStopOut != "" && g_conn.Send(g_pendingStopOut))
         g_pendingStopOut = "";
      SendAccountIfDue(now);
      Flush(wall);
      SendPnl(now);
     }
   int expired = g_outbox.Expire(wall, (long)InpMaxEventAgeHours * 3600000);
   if(expired > 0)
      Print("CopyTradeMaster: dropped ", expired, " events unconfirmed for over ", InpMaxEventAgeHours, " h");
   SaveIfDirty();
  }

// Read positions (and, where needed, exit deals) and queue what changed.
void Scan(long wall)
  {
   g_positions.Clear();
   int total = PositionsTotal();
   for(int i = 0; i < total; i++)
     {
      ulong ticket = PositionGetTicket(i);
      if(ticket == 0 || !PositionSelectByTicket(ticket))
         continue;
      int k = g_positions.Append();
      if(k < 0)
         break;
      string symbol = PositionGetString(POSITION_SYMBOL);
      g_positions.items[k].id = PositionGetInteger(POSITION_IDENTIFIER);
      g_positions.items[k].symbol = symbol;
      g_positions.items[k].side = PositionGetInteger(POSITION_TYPE) == POSITION_TYPE_BUY ? "BUY" : "SELL";
      g_positions.items[k].volume = PositionGetDouble(POSITION_VOLUME);
      g_positions.items[k].priceOpen = PositionGetDouble(POSITION_PRICE_OPEN);
      g_positions.items[k].sl = PositionGetDouble(POSITION_SL);
      g_positions.items[k].tp = PositionGetDouble(POSITION_TP);
      g_positions.items[k].timeMsc = PositionGetInteger(POSITION_TIME_MSC);
      g_positions.items[k].priceDigits = (int)SymbolInfoInteger(symbol, SYMBOL_DIGITS);
      g_positions.items[k].volumeDigits = CT_SymbolVolumeDigits(symbol);
     }
   if(g_positions.truncated)
      Print("CopyTradeMaster: more than ", CT_MAX_TRACKED, " open positions; the rest are not copied");
   ScanOrders(wall);
   CTIdList ids;
   g_tracker.NeedDeals(g_positions, ids);
   g_deals.Clear();
   for(int i = 0; i < ids.count; i++)
      ReadExitDeals(ids.ids[i]);
   CTTrackerReport rep;
   g_tracker.Update(g_positions, g_deals, g_outbox, wall, rep);
   if(rep.opens + rep.closes + rep.modifies > 0)
      PrintFormat("CopyTradeMaster: queued %d open, %d close, %d modify", rep.opens, rep.closes, rep.modifies);
   if(rep.increases > 0)
      Print("CopyTradeMaster: a position grew (netting account); added volume is not copied");
   if(rep.abandoned > 0)
      Print("CopyTradeMaster: gave up waiting for the closing deals of ", rep.abandoned, " position(s)");
   if(rep.blocked > 0 && g_outbox.Full())
      Print("CopyTradeMaster: outbox full (server unreachable?); new events wait");
   if(rep.stopOutDeals > 0 && g_stopOut.OnStopOutDeal())
      SendStopOut();
  }

string CT_OrderTypeText(long type)
  {
   if(type == ORDER_TYPE_BUY_LIMIT) return "BUY_LIMIT";
   if(type == ORDER_TYPE_SELL_LIMIT) return "SELL_LIMIT";
   if(type == ORDER_TYPE_BUY_STOP) return "BUY_STOP";
   if(type == ORDER_TYPE_SELL_STOP) return "SELL_STOP";
   if(type == ORDER_TYPE_BUY_STOP_LIMIT) return "BUY_STOP_LIMIT";
   if(type == ORDER_TYPE_SELL_STOP_LIMIT) return "SELL_STOP_LIMIT";
   return "";
  }

// A vanished pending order filled: a position with its ticket, or a deal of it in history.
bool OrderFilled(long ticket)
  {
   for(int i = 0; i < g_positions.count; i++)
      if(g_positions.items[i].id == ticket)
         return true;
   if(PositionSelectByTicket((ulong)ticket))
      return true;
   if(!HistorySelect(TimeCurrent() - 86400, TimeCurrent() + 86400))
      return false;
   for(int i = HistoryDealsTotal() - 1; i >= 0; i--)
     {
      ulong deal = HistoryDealGetTicket(i);
      if(deal != 0 && (HistoryDealGetInteger(deal, DEAL_ORDER) == ticket ||
                       HistoryDealGetInteger(deal, DEAL_POSITION_ID) == ticket))
         return true;
     }
   return false;
  }

// Pending orders (section 7a): CMD_ORDER / CMD_ORDER_MODIFY / CMD_ORDER_CANCEL.
void ScanOrders(long wall)
  {
   g_orders.Clear();
   int total = OrdersTotal();
   for(int i = 0; i < total; i++)
     {
      ulong ticket = OrderGetTicket(i);
      if(ticket == 0)
         continue;
      string type = CT_OrderTypeText(OrderGetInteger(ORDER_TYPE));
      if(type == "")
         continue; // a market order in flight, not a pending one
      int k = g_orders.Append();
      if(k < 0)
         break;
      string symbol = OrderGetString(ORDER_SYMBOL);
      g_orders.items[k].ticket = (long)ticket;
      g_orders.items[k].symbol = symbol;
      g_orders.items[k].type = type;
      g_orders.items[k].volume = OrderGetDouble(ORDER_VOLUME_CURRENT);
      g_orders.items[k].price = OrderGetDouble(ORDER_PRICE_OPEN);
      g_orders.items[k].sl = OrderGetDouble(ORDER_SL);
      g_orders.items[k].tp = OrderGetDouble(ORDER_TP);
      g_orders.items[k].stoplimit = StringFind(type, "_STOP_LIMIT") > 0 ? OrderGetDouble(ORDER_PRICE_STOPLIMIT) : 0;
      g_orders.items[k].expirationMs = OrderGetInteger(ORDER_TYPE_TIME) == ORDER_TIME_GTC ? 0 :
                                       OrderGetInteger(ORDER_TIME_EXPIRATION) * 1000;
      g_orders.items[k].priceDigits = (int)SymbolInfoInteger(symbol, SYMBOL_DIGITS);
      g_orders.items[k].volumeDigits = CT_SymbolVolumeDigits(symbol);
     }
   if(g_orders.truncated)
      Print("CopyTradeMaster: more than ", CT_MAX_TRACKED, " pending orders; the rest are not copied");
   CTIdList gone, filled;
   g_orderTracker.Gone(g_orders, gone);
   filled.Clear();
   for(int i = 0; i < gone.count; i++)
      if(OrderFilled(gone.ids[i]))
         filled.Add(gone.ids[i]);
   CTOrderReport rep;
   g_orderTracker.Update(g_orders, filled, g_outbox, wall, rep);
   if(rep.placed + rep.modified + rep.cancelled > 0)
      PrintFormat("CopyTradeMaster: queued %d order, %d order modify, %d order cancel", rep.placed, rep.modified,
                  rep.cancelled);
  }

void ReadExitDeals(long positionId)
  {
   if(!HistorySelectByPosition(positionId))
      return;
   int total = HistoryDealsTotal();
   for(int i = 0; i < total; i++)
     {
      ulong deal = HistoryDealGetTicket(i);
      if(deal == 0 || !CT_IsExitEntry(HistoryDealGetInteger(deal, DEAL_ENTRY)))
         continue;
      if(HistoryDealGetInteger(deal, DEAL_POSITION_ID) != positionId || g_deals.Has((long)deal))
         continue;
      int k = g_deals.Append();
      if(k < 0)
         return;
      g_deals.items[k].ticket = (long)deal;
      g_deals.items[k].positionId = positionId;
      g_deals.items[k].volume = HistoryDealGetDouble(deal, DEAL_VOLUME);
      g_deals.items[k].price = HistoryDealGetDouble(deal, DEAL_PRICE);
      g_deals.items[k].profit = CT_DealNetProfit(deal);
      g_deals.items[k].reason = CT_ReasonOf(HistoryDealGetInteger(deal, DEAL_REASON));
     }
  }

// STOPOUT when the margin level reaches the broker's stop-out level.
void CheckMargin()
  {
   double margin = AccountInfoDouble(ACCOUNT_MARGIN);
   double level = AccountInfoDouble(ACCOUNT_MARGIN_LEVEL);
   double soLevel = AccountInfoDouble(ACCOUNT_MARGIN_SO_SO);
   bool percent = AccountInfoInteger(ACCOUNT_MARGIN_SO_MODE) == ACCOUNT_STOPOUT_MODE_PERCENT;
   bool hit = percent ? g_stopOut.Check(level, soLevel, margin > 0)
                      : g_stopOut.Check(AccountInfoDouble(ACCOUNT_EQUITY), soLevel, margin > 0);
   if(hit)
      SendStopOut();
  }

void SendStopOut()
  {
   string line = CT_LineStopOut(CT_Percent(AccountInfoDouble(ACCOUNT_MARGIN_LEVEL)),
                                CT_Dec(AccountInfoDouble(ACCOUNT_EQUITY), 2));
   Print("CopyTradeMaster: stop-out: ", line);
   if(!g_conn.Ready() || !g_conn.Send(line))
      g_pendingStopOut = line; // sent after the next login
  }

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

// ACCOUNT every InpAccountEverySec, and on change at most once a second.
void SendAccountIfDue(long now)
  {
   string line = AccountLine();
   bool changed = line != g_lastAccountLine && now - g_lastAccountMs >= 1000;
   if(changed || now - g_lastAccountMs >= (long)InpAccountEverySec * 1000)
     {
      if(g_conn.Send(line))
        {
         g_lastAccountLine = line;
         g_lastAccountMs = now;
        }
     }
  }

// PNL for each open position this EA has reported (after its CMD_OPEN, which Flush sent
// first), at most once a second per position and only when a value changed (Pnl.mqh).
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
      long id = PositionGetInteger(POSITION_IDENTIFIER);
      if(g_tracker.Find(id) < 0)
         continue; // not reported yet: its CMD_OPEN goes first
      int digits = (int)SymbolInfoInteger(PositionGetString(POSITION_SYMBOL), SYMBOL_DIGITS);
      string line = CT_LinePnl(IntegerToString(id), CT_Dec(PositionGetDouble(POSITION_PRICE_OPEN), digits),
                               CT_Dec(PositionGetDouble(POSITION_PRICE_CURRENT), digits),
                               CT_Dec(PositionGetDouble(POSITION_PROFIT), 2),
                               CT_Dec(PositionGetDouble(POSITION_SWAP), 2));
      if(g_pnl.Offer(id, line, now))
         g_conn.Send(line);
     }
   g_pnl.EndScan();
  }

void Flush(long now)
  {
   SaveIfDirty(); // durable before it leaves
   while(g_conn.Ready())
     {
      int i = g_outbox.NextDue(now);
      if(i < 0)
         break;
      if(!g_conn.Send(g_outbox.items[i].line))
         break;
      g_outbox.MarkSent(i, now);
     }
  }

void SaveIfDirty()
  {
   if(!g_outbox.dirty && !g_tracker.dirty && !g_orderTracker.dirty)
      return;
   if(CT_SaveMasterState(g_stateFile, g_outbox, g_tracker, g_orderTracker, g_login))
     {
      g_outbox.dirty = false;
      g_tracker.dirty = false;
      g_orderTracker.dirty = false;
     }
   else
      Print("CopyTradeMaster: cannot save ", g_stateFile, ", error ", GetLastError());
  }

//+------------------------------------------------------------------+
void OnServerMessage(CTMessage &m)
  {
   if(m.verb == "OK")
     {
      if(m.Get("role") != "master")
         Print("CopyTradeMaster: this key belongs to a ", m.Get("role"),
               " account; use CopyTradeFollower for it");
      g_outbox.OnDisconnect(); // a fresh session: resend everything unconfirmed
      g_lastAccountMs = -1000000;
      g_pnl.Reset();           // and one PNL per open position
      return;
     }
   if(m.verb == "STORED")
     {
      g_retryDelayMs = 1000; // the server stores again
      if(!g_outbox.Ack(m.Get("kind"), m.Get("ticket"), m.Get("deal")))
         Print("CopyTradeMaster: STORED for an event not in flight: ", m.Describe());
      return;
     }
   if(m.verb == "CLOSE")
     {
      KillSwitchClose(m);
      return;
     }
   if(m.verb == "ERR")
     {
      // Logged by the connection; events stay in the outbox. When the server could not store
      // them (database unavailable, internal error) they are sent again with backoff: 1 s,
      // doubling to 8 s, back to 1 s after the next STORED.
      string code = m.Get("code");
      if((code == "UNAVAILABLE" || code == "INTERNAL") && g_retryAtMs == 0)
        {
         g_retryAtMs = CT_NowMs() + g_retryDelayMs;
         g_retryDelayMs = g_retryDelayMs >= 4000 ? 8000 : 2 * g_retryDelayMs;
        }
      return;
     }
   Print("CopyTradeMaster: ignored ", m.verb, " (not for a master)");
  }

// 1TO1 kill switch: the server asks the master to close its own position
// (CLOSE|<POSITION_IDENTIFIER>|<volume to keep>|SO). The close is then reported the normal
// way by the tracker (CMD_CLOSE, reason EXPERT).
void KillSwitchClose(CTMessage &m)
  {
   long id = StringToInteger(m.Get("master_ticket"));
   double keep = StringToDouble(m.Get("target_volume"));
   int total = PositionsTotal();
   for(int i = 0; i < total; i++)
     {
      ulong ticket = PositionGetTicket(i);
      if(ticket == 0 || PositionGetInteger(POSITION_IDENTIFIER) != id)
         continue;
      string symbol = PositionGetString(POSITION_SYMBOL);
      double volume = PositionGetDouble(POSITION_VOLUME);
      double step = SymbolInfoDouble(symbol, SYMBOL_VOLUME_STEP);
      double closeVolume = keep <= 0 ? volume : CT_FloorToStep(volume - keep, step);
      if(closeVolume <= 0)
         return;
      MqlTradeResult result;
      bool ok = CT_ClosePosition(ticket, closeVolume, (ulong)InpKillSwitchSlippage, result);
      PrintFormat("CopyTradeMaster: server closed position %I64d (%s, reason %s): %s %u %s", id,
                  CT_Dec(closeVolume, CT_StepDigits(step)), m.Get("reason"), ok ? "done" : "FAILED",
                  result.retcode, CT_RetcodeText(result.retcode));
      return;
     }
   Print("CopyTradeMaster: server asked to close position ", id, ", which is not open");
  }

void ShowStatus()
  {
   Comment("CopyTradePro master\n", g_waitingFor != "" ? g_waitingFor : g_conn.StatusText(), "\nPositions reported: ", g_tracker.count,
           "\nEvents waiting for the server: ", g_outbox.Count());
  }
//+------------------------------------------------------------------+
