# no-time-sync: chrony reports the clock not synchronised (a real chronyd with no source reached)
time_sync() { stand_in chronyc time-sync/chrony-not-synchronised.csv chronyc-tracking.csv; }
