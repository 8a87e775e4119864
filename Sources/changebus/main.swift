print("changebus")
